package dev.scaivault.tomcat;

import dev.scaivault.pool.PoolAdapter;
import dev.scaivault.source.Credentials;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import javax.sql.ConnectionPoolDataSource;
import javax.sql.DataSource;
import javax.sql.XADataSource;
import org.apache.tomcat.jdbc.pool.ConnectionPool;
import org.apache.tomcat.jdbc.pool.DataSourceProxy;
import org.apache.tomcat.jdbc.pool.PoolConfiguration;

/**
 * What the rotation core needs from a Tomcat JDBC pool (read from its source, 10.1 and 11.0):
 *
 * <ul>
 *   <li>Logins: {@code PooledConnection.connect()} asks the configured data source ({@code getConnection(user,
 *       password)}) whenever one is set, else the driver; both read the configuration at every connect, so a
 *       data source set before the pool starts sees every physical login, reconnects included (which reuse the
 *       user and password a pooled connection first stored, and would log in with stale ones otherwise).
 *   <li>Credentials: {@code setUsername} and {@code setPassword} are two volatile writes, not one atomic
 *       update; only a started pool, which the binding cannot route, depends on them.
 *   <li>Retirement: {@code ConnectionPool.purge()} bumps the pool version, then closes idle connections of an
 *       older version; a borrowed one is closed when it is returned ({@code shouldClose} compares versions). A
 *       connection's version is taken when it is created, before it logs in, so one created just before a
 *       purge is retired too. In-flight borrowers are not disturbed.
 *   <li>No bound on a connection's life: {@code maxAge} is checked when a connection is returned (and, in
 *       11.0.29, when it is borrowed: {@code reconnectIfExpired} reconnects it in place, with the user and
 *       password it first stored), never while it is borrowed; so the drain keeps the core's default bound.
 *   <li>Whether the pool started: {@code DataSourceProxy.getPool()} creates the pool, so the adapter reads the
 *       proxy's {@code pool} field instead.
 * </ul>
 */
final class TomcatPoolAdapter implements PoolAdapter {
    private static final VarHandle POOL = poolField();

    private final DataSourceProxy ds;
    private final PoolConfiguration config;

    TomcatPoolAdapter(DataSourceProxy ds) {
        this.ds = ds;
        this.config = ds.getPoolProperties();
    }

    private static VarHandle poolField() {
        try {
            return MethodHandles.privateLookupIn(DataSourceProxy.class, MethodHandles.lookup())
                    .findVarHandle(DataSourceProxy.class, "pool", ConnectionPool.class);
        } catch (ReflectiveOperationException | IllegalAccessError | SecurityException e) {
            return null; // a tomcat-jdbc we do not know: treated as started, which is the safe side
        }
    }

    private ConnectionPool pool() {
        return POOL == null ? null : (ConnectionPool) POOL.getVolatile(ds);
    }

    @Override
    public String name() {
        return config.getName();
    }

    @Override
    public String kind() {
        return "tomcat-jdbc";
    }

    @Override
    public String mechanism() {
        return "USERNAME_AND_PASSWORD";
    }

    @Override
    public boolean started() {
        return POOL == null || pool() != null;
    }

    @Override
    public DataSource physical() {
        Object configured = config.getDataSource();
        if (configured != null) {
            // The pool prefers the XA and pooled-connection views of such a data source; routing it through a
            // plain one would change what the application gets.
            boolean plain = configured instanceof DataSource
                    && !(configured instanceof XADataSource)
                    && !(configured instanceof ConnectionPoolDataSource);
            return plain ? (DataSource) configured : null;
        }
        if (config.getDataSourceJNDI() != null || config.getUrl() == null) {
            return null;
        }
        return new DriverLogins(config.getUrl(), config.getDriverClassName(), config.getDbProperties());
    }

    @Override
    public void install(DataSource logins) {
        config.setDataSource(logins);
    }

    @Override
    public void setCredentials(Credentials c) {
        config.setUsername(c.username());
        config.setPassword(c.password());
    }

    @Override
    public void retire() {
        ConnectionPool p = pool();
        if (p != null) {
            p.purge();
        }
    }

    @Override
    public int borrowed() {
        ConnectionPool p = pool();
        return p == null ? -1 : p.getActive();
    }

    @Override
    public Credentials configured() {
        String user = config.getUsername();
        String password = config.getPassword();
        return user == null || password == null ? null : Credentials.of(user, password, "pool configuration");
    }
}
