package dev.scaivault.tomcat;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Properties;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * Opens connections as a Tomcat pool configured with a URL does ({@code PooledConnection.connectUsingDriver}):
 * the configured driver class, else {@code DriverManager}; the pool's connection properties, with user and
 * password set per login.
 */
final class DriverLogins implements DataSource {
    private final String url;
    private final String driverClassName;
    private final Properties properties;
    private volatile Driver driver;

    DriverLogins(String url, String driverClassName, Properties properties) {
        this.url = url;
        this.driverClassName = driverClassName;
        this.properties = properties == null ? new Properties() : (Properties) properties.clone();
    }

    @Override
    public Connection getConnection() throws SQLException {
        return connect((Properties) properties.clone());
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        Properties p = (Properties) properties.clone();
        p.setProperty("user", username);
        p.setProperty("password", password);
        return connect(p);
    }

    private Connection connect(Properties p) throws SQLException {
        Driver d = driver();
        Connection c = d == null ? DriverManager.getConnection(url, p) : d.connect(url, p);
        if (c == null) {
            throw new SQLException("driver " + driverClassName + " does not accept the pool's URL");
        }
        return c;
    }

    private Driver driver() throws SQLException {
        if (driverClassName == null) {
            return null;
        }
        Driver d = driver;
        if (d == null) {
            try {
                ClassLoader cl = Thread.currentThread().getContextClassLoader();
                Class<?> type;
                try {
                    type = Class.forName(driverClassName, true, cl);
                } catch (ClassNotFoundException e) {
                    type = Class.forName(driverClassName, true, DriverLogins.class.getClassLoader());
                }
                d = (Driver) type.getDeclaredConstructor().newInstance();
            } catch (ReflectiveOperationException | ClassCastException e) {
                throw new SQLException("driverClassName " + driverClassName + " cannot be instantiated", e);
            }
            driver = d;
        }
        return d;
    }

    @Override
    public PrintWriter getLogWriter() {
        return DriverManager.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) {
        DriverManager.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) {
        DriverManager.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() {
        return DriverManager.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException("no parent logger");
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
        // The URL may carry a password.
        return "DriverLogins{" + driverClassName + '}';
    }
}
