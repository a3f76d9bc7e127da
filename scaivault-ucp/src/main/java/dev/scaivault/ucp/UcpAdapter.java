package dev.scaivault.ucp;

import dev.scaivault.pool.PoolAdapter;
import dev.scaivault.source.Credentials;
import java.sql.SQLException;
import java.util.Properties;
import javax.sql.DataSource;
import oracle.ucp.UniversalConnectionPoolException;
import oracle.ucp.admin.UniversalConnectionPoolManagerImpl;
import oracle.ucp.jdbc.PoolDataSource;

/**
 * What the rotation core needs from a UCP {@code PoolDataSource}. UCP asks its connection factory for a
 * connection with the user and password of each borrow request and hands a borrower only connections opened
 * for the same pair; so a pool bound before it starts keeps its configured pair as a constant key, gets a
 * {@link UcpLogins} factory that logs in through the core (with the core's credentials), and retiring is UCP's
 * own refresh: it replaces the available connections at once and closes the borrowed ones when they are
 * returned. A started pool's configured credentials are not reported ({@code configured()}): UCP 23 does not
 * give its password back ({@code getPassword()} throws). Nor is {@code maxConnectionReuseTime} offered as the
 * drain bound ({@code maxLifetime()}): UCP closes such a connection only when it is returned, and the time may be
 * set below what a borrower holds one.
 */
final class UcpAdapter implements PoolAdapter {
    private final PoolDataSource pool;
    private final FactoryLogins physical;
    private volatile boolean installed;

    UcpAdapter(PoolDataSource pool) {
        if (UcpLogins.class.getName().equals(pool.getConnectionFactoryClassName())) {
            throw new IllegalStateException("this PoolDataSource is already bound to a credential source");
        }
        this.pool = pool;
        this.physical = new FactoryLogins(pool);
    }

    @Override
    public String name() {
        String name = pool.getConnectionPoolName();
        return name != null ? name : "ucp@" + Integer.toHexString(System.identityHashCode(pool));
    }

    @Override
    public String kind() {
        return "ucp";
    }

    @Override
    public String mechanism() {
        return installed ? "LOGIN_FACTORY" : "SET_USER_AND_PASSWORD";
    }

    @Override
    public boolean started() {
        // UCP creates its statistics with the pool, at the first borrow or startPool.
        return pool.getStatistics() != null;
    }

    @Override
    public DataSource physical() {
        return physical;
    }

    @Override
    public void install(DataSource logins) {
        physical.captureFactory();
        String token = UcpLogins.register(logins);
        Properties factory = new Properties();
        factory.setProperty(UcpLogins.TOKEN_PROPERTY, token);
        try {
            pool.setConnectionFactoryClassName(UcpLogins.class.getName());
            pool.setConnectionFactoryProperties(factory);
        } catch (SQLException e) {
            throw new IllegalStateException("pool " + name() + ": UCP refused the login factory", e);
        }
        installed = true;
    }

    @Override
    public void setCredentials(Credentials c) {
        if (installed || !started()) {
            // Logins go through the core, which has the credentials. UCP's own pair stays as it is: changing
            // it would strand every pooled connection under the old pair.
            return;
        }
        try {
            // A pool started before binding: UCP asks for connections with its current pair at every borrow.
            pool.setUser(c.username());
            pool.setPassword(c.password());
        } catch (SQLException e) {
            throw new IllegalStateException("pool " + name() + ": UCP refused the new user and password", e);
        }
    }

    @Override
    public void retire() {
        try {
            UniversalConnectionPoolManagerImpl.getUniversalConnectionPoolManager()
                    .refreshConnectionPool(pool.getConnectionPoolName());
        } catch (UniversalConnectionPoolException e) {
            throw new IllegalStateException("pool " + name() + ": UCP could not refresh its connections", e);
        }
    }

    @Override
    public int borrowed() {
        try {
            return pool.getBorrowedConnectionsCount();
        } catch (SQLException e) {
            return -1;
        }
    }
}
