package dev.scaivault.hikari;

import dev.scaivault.pool.ForwardingDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

/** Counts the physical logins a pool attempts and how many the database refused, and who made each. */
final class CountingDataSource extends ForwardingDataSource {
    private final AtomicInteger attempts = new AtomicInteger();
    private final AtomicInteger authFailures = new AtomicInteger();
    private final List<String[]> logins = new CopyOnWriteArrayList<>();

    CountingDataSource(DataSource delegate) {
        super(delegate);
    }

    int attempts() {
        return attempts.get();
    }

    int authFailures() {
        return authFailures.get();
    }

    @Override
    public Connection getConnection() throws SQLException {
        attempts.incrementAndGet();
        return count(() -> delegate().getConnection());
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        attempts.incrementAndGet();
        Connection c = count(() -> delegate().getConnection(username, password));
        logins.add(new String[] {username, Thread.currentThread().getName()});
        return c;
    }

    /** The threads that made the successful logins of {@code role}, in order. */
    List<String> threadsOf(String role) {
        return logins.stream().filter(l -> l[0].equals(role)).map(l -> l[1]).toList();
    }

    private interface Open {
        Connection open() throws SQLException;
    }

    private Connection count(Open open) throws SQLException {
        try {
            return open.open();
        } catch (SQLException e) {
            if ("28P01".equals(e.getSQLState()) || "28000".equals(e.getSQLState())) { // PostgreSQL refused the login
                authFailures.incrementAndGet();
            }
            throw e;
        }
    }

    @Override
    public String toString() {
        return "CountingDataSource{" + delegate().getClass().getName() + '}';
    }
}
