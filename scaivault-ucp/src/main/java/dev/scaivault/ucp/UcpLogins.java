package dev.scaivault.ucp;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * The connection factory a bound pool is given: UCP creates it by class name with a no-argument constructor
 * and sets the bean property {@value #TOKEN_PROPERTY}, which names the binding's login path; every physical
 * connection UCP opens is then opened by the rotation core, with its credentials. UCP's own user and password,
 * which it passes here, are ignored. Not for direct use.
 */
public final class UcpLogins implements DataSource {
    /** The connection factory property that names the login path. */
    public static final String TOKEN_PROPERTY = "scaivaultLogins";

    // One entry per bound pool, for the pool's life (UCP has no hook that says when a pool is destroyed).
    private static final Map<String, DataSource> LOGINS = new ConcurrentHashMap<>();
    private static final AtomicLong NEXT = new AtomicLong();

    private volatile DataSource logins;
    private volatile int loginTimeout;

    /** For UCP, which creates its connection factory by class name. */
    public UcpLogins() {}

    static String register(DataSource logins) {
        String token = "scaivault-" + NEXT.incrementAndGet();
        LOGINS.put(token, logins);
        return token;
    }

    /**
     * Set by UCP from the connection factory property {@value #TOKEN_PROPERTY}.
     *
     * @param token the name the binding registered its login path under
     */
    public void setScaivaultLogins(String token) {
        this.logins = LOGINS.get(token);
    }

    private DataSource logins() throws SQLException {
        DataSource l = logins;
        if (l == null) {
            throw new SQLException("this UCP pool's connection factory is " + UcpLogins.class.getName()
                    + " but no ScaiVault binding registered the " + TOKEN_PROPERTY + " it was given");
        }
        return l;
    }

    @Override
    public Connection getConnection() throws SQLException {
        return logins().getConnection();
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        return logins().getConnection();
    }

    @Override
    public PrintWriter getLogWriter() {
        return null;
    }

    @Override
    public void setLogWriter(PrintWriter out) {
        // The real factory's driver logs through its own loggers.
    }

    @Override
    public void setLoginTimeout(int seconds) {
        // Kept for UCP, which sets it on every factory; the real factory has the pool's own.
        this.loginTimeout = seconds;
    }

    @Override
    public int getLoginTimeout() {
        return loginTimeout;
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
        return "ScaiVaultUcpLogins";
    }
}
