package dev.scaivault.examples.rotationdemo;

import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * The demo pool's data source: {@code delegate} (a {@code DriverDataSource} on the pool's JDBC URL, what
 * HikariCP itself makes of a {@code jdbcUrl}), with every login and every physical close put on the {@link
 * Timeline}. Not something an application needs: it is how the demo sees where propagation time goes.
 */
final class TimedDataSource implements DataSource {
    private final DataSource delegate;
    private final Timeline timeline;

    TimedDataSource(DataSource delegate, Timeline timeline) {
        this.delegate = delegate;
        this.timeline = timeline;
    }

    @Override
    public Connection getConnection() throws SQLException {
        return timed(null, delegate.getConnection());
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        Timeline.Step step = timeline.of(username, password);
        long start = Timeline.now();
        Connection c = delegate.getConnection(username, password);
        if (step != null) {
            step.loggedIn(start, Timeline.now(), Thread.currentThread().getName());
        }
        return timed(step, c);
    }

    /** {@code c}, with the moment the pool closes it recorded (after the close, as HikariCP then refills). */
    private Connection timed(Timeline.Step step, Connection c) {
        return (Connection) Proxy.newProxyInstance(
                Connection.class.getClassLoader(), new Class<?>[] {Connection.class}, (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "equals":
                            return proxy == args[0];
                        case "hashCode":
                            return System.identityHashCode(proxy);
                        case "toString":
                            return "TimedConnection{" + c.getClass().getName() + '}';
                        default:
                            break;
                    }
                    Object result;
                    try {
                        result = method.invoke(c, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                    if (method.getName().equals("close") && method.getParameterCount() == 0) {
                        timeline.closed(step, Timeline.now());
                    }
                    return result;
                });
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
        return delegate.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
        delegate.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        delegate.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
        return delegate.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        return delegate.getParentLogger();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        return iface.isInstance(this) ? iface.cast(this) : delegate.unwrap(iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) throws SQLException {
        return iface.isInstance(this) || delegate.isWrapperFor(iface);
    }
}
