package dev.scaivault.ucp;

import java.beans.BeanInfo;
import java.beans.IntrospectionException;
import java.beans.Introspector;
import java.beans.PropertyDescriptor;
import java.io.PrintWriter;
import java.lang.reflect.Method;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Properties;
import java.util.logging.Logger;
import javax.sql.DataSource;
import oracle.ucp.jdbc.PoolDataSource;

/**
 * Opens physical connections as the pool's own connection factory would, bypassing the pool: the factory class
 * the pool names, a {@link Driver} given the pool's URL and connection properties, or a {@link DataSource}
 * given, as bean properties, the pool's URL, server, port and database names and its connection factory
 * properties (a property the class does not have is skipped, as UCP skips it).
 */
final class FactoryLogins implements DataSource {
    private final PoolDataSource pool;
    private volatile Object factory;

    FactoryLogins(PoolDataSource pool) {
        this.pool = pool;
    }

    /** Builds the pool's own factory now, before the pool is given the login factory instead. */
    void captureFactory() {
        try {
            factory();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create the pool's connection factory", e);
        }
    }

    @Override
    public Connection getConnection() throws SQLException {
        return getConnection(null, null);
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        Object f = factory();
        if (f instanceof Driver driver) {
            Properties info = new Properties();
            info.putAll(pool.getConnectionProperties());
            if (username != null) {
                info.setProperty("user", username);
            }
            if (password != null) {
                info.setProperty("password", password);
            }
            Connection c = driver.connect(pool.getURL(), info);
            if (c == null) {
                // Not the URL itself: it may carry a password.
                throw new SQLException("the pool's driver " + f.getClass().getName() + " does not accept its URL");
            }
            return c;
        }
        return username == null ? ((DataSource) f).getConnection() : ((DataSource) f).getConnection(username, password);
    }

    private Object factory() throws SQLException {
        Object f = factory;
        if (f == null) {
            f = create();
            factory = f;
        }
        return f;
    }

    private Object create() throws SQLException {
        String className = pool.getConnectionFactoryClassName();
        if (className == null || className.isEmpty()) {
            throw new SQLException("the pool names no connection factory class (setConnectionFactoryClassName)");
        }
        Object f;
        try {
            f = Class.forName(className, true, loader()).getConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new SQLException("cannot create the pool's connection factory " + className, e);
        }
        if (f instanceof Driver) {
            return f;
        }
        if (!(f instanceof DataSource)) {
            throw new SQLException(
                    "the pool's connection factory " + className + " is neither a Driver nor a DataSource");
        }
        Properties p = new Properties();
        if (pool.getURL() != null) {
            p.setProperty("URL", pool.getURL());
        }
        if (pool.getServerName() != null) {
            p.setProperty("serverName", pool.getServerName());
        }
        if (pool.getPortNumber() > 0) {
            p.setProperty("portNumber", Integer.toString(pool.getPortNumber()));
        }
        if (pool.getDatabaseName() != null) {
            p.setProperty("databaseName", pool.getDatabaseName());
        }
        p.putAll(pool.getConnectionFactoryProperties());
        apply(f, p);
        return f;
    }

    private static ClassLoader loader() {
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        return context != null ? context : FactoryLogins.class.getClassLoader();
    }

    private static void apply(Object factory, Properties properties) throws SQLException {
        BeanInfo info;
        try {
            info = Introspector.getBeanInfo(factory.getClass());
        } catch (IntrospectionException e) {
            throw new SQLException(
                    "cannot read the properties of " + factory.getClass().getName(), e);
        }
        for (String name : properties.stringPropertyNames()) {
            for (PropertyDescriptor d : info.getPropertyDescriptors()) {
                Method setter = d.getWriteMethod();
                if (setter != null && d.getName().equalsIgnoreCase(name)) {
                    set(factory, setter, name, properties.getProperty(name));
                    break;
                }
            }
        }
    }

    private static void set(Object factory, Method setter, String name, String value) throws SQLException {
        Class<?> type = setter.getParameterTypes()[0];
        try {
            if (type == String.class) {
                setter.invoke(factory, value);
            } else if (type == int.class || type == Integer.class) {
                setter.invoke(factory, Integer.valueOf(value));
            } else if (type == long.class || type == Long.class) {
                setter.invoke(factory, Long.valueOf(value));
            } else if (type == boolean.class || type == Boolean.class) {
                setter.invoke(factory, Boolean.valueOf(value));
            }
        } catch (ReflectiveOperationException | NumberFormatException e) {
            // The name only: a property's value may be a secret.
            throw new SQLException("cannot set property " + name + " on the pool's connection factory", e);
        }
    }

    @Override
    public PrintWriter getLogWriter() {
        return null;
    }

    @Override
    public void setLogWriter(PrintWriter out) {
        // The factory's driver logs through its own loggers.
    }

    @Override
    public void setLoginTimeout(int seconds) {
        // The pool's factory properties carry the driver's timeouts.
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
        return "ScaiVaultUcpPhysicalLogins";
    }
}
