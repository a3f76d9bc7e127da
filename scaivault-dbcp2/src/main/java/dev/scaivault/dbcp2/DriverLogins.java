package dev.scaivault.dbcp2;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Properties;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.apache.commons.dbcp2.BasicDataSource;

/**
 * Opens physical connections as the {@code BasicDataSource} would, bypassing it: its driver (found as DBCP2's
 * {@code DriverFactory} finds it), its URL and, once the pool has logged in once, its connection properties
 * (DBCP2 only shows them to the driver). Before that, a validation login uses the URL alone.
 */
final class DriverLogins implements DataSource {
    private final BasicDataSource pool;
    private volatile Driver driver;
    private volatile Properties poolProperties = new Properties();

    DriverLogins(BasicDataSource pool) {
        this.pool = pool;
    }

    /** Finds the pool's own driver now: once the login driver is installed, the pool no longer names it. */
    void resolveDriver() {
        if (driver == null) {
            driver = pool.getDriver();
        }
    }

    void poolProperties(Properties info) {
        Properties copy = new Properties();
        copy.putAll(info);
        copy.remove("user");
        copy.remove("password");
        poolProperties = copy;
    }

    @Override
    public Connection getConnection() throws SQLException {
        return getConnection(null, null);
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        Properties info = new Properties();
        info.putAll(poolProperties);
        if (username != null) {
            info.setProperty("user", username);
        }
        if (password != null) {
            info.setProperty("password", password);
        }
        Connection c = driver().connect(pool.getUrl(), info);
        if (c == null) {
            // Not the URL itself: it may carry a password.
            throw new SQLException("the pool's driver " + driver().getClass().getName() + " does not accept its URL");
        }
        return c;
    }

    private Driver driver() throws SQLException {
        Driver d = driver;
        if (d == null) {
            d = load();
            driver = d;
        }
        return d;
    }

    private Driver load() throws SQLException {
        String className = pool.getDriverClassName();
        if (className == null) {
            return DriverManager.getDriver(pool.getUrl());
        }
        ClassLoader loader = pool.getDriverClassLoader() != null
                ? pool.getDriverClassLoader()
                : BasicDataSource.class.getClassLoader();
        try {
            Class<?> c;
            try {
                c = Class.forName(className, true, loader);
            } catch (ClassNotFoundException e) {
                c = Thread.currentThread().getContextClassLoader().loadClass(className);
            }
            return (Driver) c.getConstructor().newInstance();
        } catch (ReflectiveOperationException | ClassCastException e) {
            throw new SQLException("cannot load the pool's JDBC driver class " + className, e);
        }
    }

    @Override
    public PrintWriter getLogWriter() {
        return null;
    }

    @Override
    public void setLogWriter(PrintWriter out) {
        // Drivers log through their own loggers.
    }

    @Override
    public void setLoginTimeout(int seconds) {
        // The pool's URL and properties carry the driver's timeouts.
    }

    @Override
    public int getLoginTimeout() {
        return 0;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException("no java.util.logging logger");
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        throw new SQLException("not a wrapper for " + iface.getName());
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return iface.isInstance(this);
    }

    @Override
    public String toString() {
        return "ScaiVaultDbcp2Logins";
    }
}
