package dev.scaivault.pool;

import dev.scaivault.source.Credentials;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * Sits between a pool and its real data source (or the driver, for a {@code jdbcUrl} pool), so it sees
 * every new physical connection and nothing else: borrowing and returning never pass through here. It
 * opens each connection with the binding's credentials, bridges an authentication failure by waiting for
 * fresher credentials, and registers what it opened so the binding knows when the previous credentials
 * are no longer in use. It can also hold one connection the binding opens ahead of the pool ({@link
 * #preopen}), which the pool's next new connection with those credentials takes instead of logging in
 * (waiting for that login if it is still under way). Once the binding is closed it passes everything
 * straight through.
 */
final class BridgingDataSource implements DataSource {
    // A rotation applied while a connection was being opened makes it stale; a second or third one in a
    // row is a storm of changes, and then the pool's own next attempt is as good as ours.
    private static final int MAX_STALE_RETRIES = 3;

    interface Host {
        /** The credentials to open a new connection with; the pool's own are passed for reference. */
        Credentials credentialsFor(String poolUsername, String poolPassword);

        /** Whether {@code used} was retired while the connection was being opened. */
        boolean stale(Credentials used);

        /** Fresher credentials after {@code failure}, or {@code null} once the budget is spent. */
        Credentials bridge(Credentials failed, SQLException failure, long deadlineNanos);

        long authFailureBudgetNanos();

        void opening(Credentials use);

        void openingDone(Credentials use);

        void opened(Connection c, Credentials used);
    }

    /** A connection opened (or being opened) ahead of the pool, not yet taken by it. */
    static final class Ready {
        final Credentials credentials;
        final CompletableFuture<Connection> connection = new CompletableFuture<>();

        private Ready(Credentials credentials) {
            this.credentials = credentials;
        }
    }

    private final DataSource delegate;
    private volatile Host host;
    private final AtomicReference<Ready> ready = new AtomicReference<>();

    BridgingDataSource(DataSource delegate, Host host) {
        this.delegate = delegate;
        this.host = host;
    }

    DataSource delegate() {
        return delegate;
    }

    void detach() {
        host = null;
        discard(ready.get());
    }

    /**
     * Opens a connection with {@code c} on {@code executor}, for the pool's next new connection with {@code c}
     * to take instead of logging in, and returns it (replacing, and closing, one not taken yet). It is not
     * registered until the pool takes it: until then it is not the pool's.
     */
    Ready preopen(Credentials c, Executor executor) {
        Ready r = new Ready(c);
        discard(ready.getAndSet(r), true);
        try {
            executor.execute(() -> {
                try {
                    r.connection.complete(delegate.getConnection(c.username(), c.password()));
                } catch (SQLException | RuntimeException e) {
                    r.connection.completeExceptionally(e);
                }
            });
        } catch (RuntimeException e) {
            r.connection.completeExceptionally(e); // the binding is closing: the pool logs in itself
        }
        return r;
    }

    /** Closes {@code r} (once opened) if the pool has not taken it. */
    void discard(Ready r) {
        discard(r, false);
    }

    private void discard(Ready r, boolean replaced) {
        if (r != null && (replaced || ready.compareAndSet(r, null))) {
            r.connection.thenAccept(BridgingDataSource::closeQuietly);
        }
    }

    /** Closes a connection opened ahead with other credentials than {@code keep}, which the pool will not take. */
    void discardUnless(Credentials keep) {
        Ready r = ready.get();
        if (r != null && !r.credentials.sameSecretAs(keep)) {
            discard(r);
        }
    }

    /**
     * The connection opened ahead with {@code use}, waiting for its login if it is under way (a login of our
     * own would take at least as long), or null: none, or its login failed.
     */
    private Connection take(Credentials use) {
        Ready r = ready.get();
        if (r == null || !r.credentials.sameSecretAs(use) || !ready.compareAndSet(r, null)) {
            return null;
        }
        Connection c;
        try {
            c = r.connection.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            discard(r, true);
            return null;
        } catch (ExecutionException e) {
            return null; // the pool's own login finds out why, and bridges it if it is an authentication failure
        }
        try {
            if (!c.isClosed()) {
                return c;
            }
        } catch (SQLException | RuntimeException e) {
            // Unusable: log in instead.
        }
        closeQuietly(c);
        return null;
    }

    @Override
    public Connection getConnection() throws SQLException {
        return open(null, null);
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        return open(username, password);
    }

    private Connection open(String username, String password) throws SQLException {
        Host h = host;
        if (h == null) {
            return username == null ? delegate.getConnection() : delegate.getConnection(username, password);
        }
        Credentials use = h.credentialsFor(username, password);
        long deadline = System.nanoTime() + h.authFailureBudgetNanos();
        int staleRetries = 0;
        while (true) {
            Connection c;
            try {
                c = login(h, use);
            } catch (SQLException e) {
                Credentials better = use == null ? null : h.bridge(use, e, deadline);
                if (better == null) {
                    throw e;
                }
                use = better;
                continue;
            }
            if (use != null && staleRetries < MAX_STALE_RETRIES && h.stale(use)) {
                // The pool's retirement for that rotation may run before this connection is among its own.
                staleRetries++;
                closeQuietly(c);
                use = h.credentialsFor(username, password);
                continue;
            }
            return c;
        }
    }

    private Connection login(Host h, Credentials use) throws SQLException {
        if (use == null) {
            return delegate.getConnection();
        }
        Connection ahead = take(use);
        if (ahead != null) {
            h.opened(ahead, use);
            return ahead;
        }
        h.opening(use);
        try {
            Connection c = delegate.getConnection(use.username(), use.password());
            // Registered before the login stops counting, so a drain always sees one or the other.
            h.opened(c, use);
            return c;
        } finally {
            h.openingDone(use);
        }
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException | RuntimeException e) {
            // Already unusable to us; the driver frees what it can.
        }
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

    @Override
    public String toString() {
        // The delegate's own toString may print a URL with a password in it.
        return "ScaiVaultBridgingDataSource{" + delegate.getClass().getName() + '}';
    }
}
