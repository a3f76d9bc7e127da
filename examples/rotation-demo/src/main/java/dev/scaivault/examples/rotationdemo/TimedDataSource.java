package dev.scaivault.examples.rotationdemo;

import dev.scaivault.pool.ForwardingDataSource;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * The demo pool's data source: {@code delegate} (a {@code DriverDataSource} on the pool's JDBC URL, what
 * HikariCP itself makes of a {@code jdbcUrl}), with every login and every physical close put on the {@link
 * Timeline}. Not something an application needs: it is how the demo sees where propagation time goes.
 */
final class TimedDataSource extends ForwardingDataSource {
    private final Timeline timeline;

    TimedDataSource(DataSource delegate, Timeline timeline) {
        super(delegate);
        this.timeline = timeline;
    }

    @Override
    public Connection getConnection() throws SQLException {
        return timed(null, delegate().getConnection());
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        Timeline.Step step = timeline.of(username, password);
        long start = Timeline.now();
        Connection c = delegate().getConnection(username, password);
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
    public String toString() {
        return "TimedDataSource{" + delegate().getClass().getName() + '}';
    }
}
