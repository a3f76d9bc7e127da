package dev.scaivault.dbcp2;

import dev.scaivault.pool.PoolAdapter;
import dev.scaivault.source.Credentials;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.apache.commons.dbcp2.BasicDataSource;
import org.apache.commons.dbcp2.managed.BasicManagedDataSource;
import org.apache.commons.pool2.impl.GenericObjectPool;

/**
 * What the rotation core needs from a {@code BasicDataSource}. DBCP2 copies the username and password into
 * its connection factory when the pool starts and ignores {@code setUsername}/{@code setPassword} after that,
 * so a pool bound before it starts logs in through a {@link LoginDriver} set with {@code setDriver}: every
 * physical login goes through the core, which supplies the credentials. DBCP2 has no soft eviction either:
 * retiring clears the idle connections, and each connection it opened remembers its generation, so one that
 * was borrowed at the time is destroyed at its next borrow ({@link RetirableConnection}). DBCP2's {@code maxConn}
 * is not offered as the drain bound ({@code maxLifetime()}): it is checked only at borrow and return, and may be
 * set below what a borrower holds a connection.
 */
final class Dbcp2Adapter implements PoolAdapter {
    private final BasicDataSource pool;
    private final String name;
    private final DriverLogins physical;
    // Every connection opened through the login driver takes a ticket before it logs in; those with a ticket
    // below this mark were opened (or began their login) before the last retire().
    private final AtomicLong tickets = new AtomicLong();
    private volatile long retiredBelow;
    private volatile boolean installed;

    Dbcp2Adapter(BasicDataSource pool) {
        if (pool.getDriver() instanceof LoginDriver) {
            throw new IllegalStateException("this BasicDataSource is already bound to a credential source");
        }
        this.pool = pool;
        this.name = pool.getJmxName() != null
                ? pool.getJmxName()
                : "dbcp2@" + Integer.toHexString(System.identityHashCode(pool));
        this.physical = new DriverLogins(pool);
    }

    /** Only for a {@code BasicManagedDataSource}: linking it needs the transaction API, which may be absent. */
    static boolean hasXaDataSource(DataSource pool) {
        BasicManagedDataSource managed = (BasicManagedDataSource) pool;
        return managed.getXADataSource() != null || managed.getXaDataSourceInstance() != null;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String kind() {
        return "dbcp2";
    }

    @Override
    public String mechanism() {
        return installed ? "LOGIN_DRIVER" : "CONNECTION_PROPERTIES";
    }

    @Override
    public boolean started() {
        return pool.getConnectionPool() != null;
    }

    @Override
    public DataSource physical() {
        return physical;
    }

    @Override
    public void install(DataSource logins) {
        physical.resolveDriver();
        pool.setDriver(new LoginDriver(logins, physical, tickets, () -> retiredBelow));
        installed = true;
    }

    @Override
    public void setCredentials(Credentials c) {
        // For anyone reading the configuration, and for a restart(); the login driver ignores them.
        pool.setUsername(c.username());
        pool.setPassword(c.password());
        if (!installed && started()) {
            // A pool started before binding: its running connection factory reads the user and password from
            // the data source's own connection properties, which it shares (DBCP2 2.x; not documented).
            pool.addConnectionProperty("user", c.username());
            pool.addConnectionProperty("password", c.password());
        }
    }

    @Override
    public void retire() {
        retiredBelow = tickets.get();
        GenericObjectPool<?> connections = pool.getConnectionPool();
        if (connections != null) {
            connections.clear();
        }
    }

    @Override
    public int borrowed() {
        return pool.getNumActive();
    }

    @Override
    public Credentials configured() {
        return pool.getUsername() == null
                ? null
                : Credentials.of(pool.getUsername(), pool.getPassword(), "pool configuration");
    }

    @Override
    public boolean closesRetiredAtNextBorrow() {
        return true;
    }
}
