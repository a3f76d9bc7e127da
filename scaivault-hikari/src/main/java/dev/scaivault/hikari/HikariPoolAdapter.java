package dev.scaivault.hikari;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import com.zaxxer.hikari.util.DriverDataSource;
import com.zaxxer.hikari.util.PropertyElf;
import dev.scaivault.pool.PoolAdapter;
import dev.scaivault.source.Credentials;
import java.time.Duration;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * What the rotation core needs from a {@link HikariDataSource}: credentials through {@link CredentialApplier},
 * retirement by {@code softEvictConnections()} (closes idle connections now and borrowed ones when they are
 * returned), logins routed through {@code setDataSource}, which HikariCP reads only when the pool starts.
 */
final class HikariPoolAdapter implements PoolAdapter {
    private final HikariDataSource pool;
    private final String name;
    private volatile boolean preferProvider;
    // Chosen at first use, after the binding read the source's first value: a binding that fails closed
    // must leave the pool as it was, and installing a credentials provider would not.
    private CredentialApplier applier; // guarded by this

    HikariPoolAdapter(HikariDataSource pool) {
        this.pool = Objects.requireNonNull(pool, "pool");
        this.name = Objects.requireNonNullElse(pool.getPoolName(), "(unnamed pool)");
        if (pool.isClosed()) {
            throw new IllegalStateException("pool " + name + " is closed");
        }
    }

    void preferProvider(boolean prefer) {
        this.preferProvider = prefer;
    }

    synchronized CredentialApplier applier() {
        if (applier == null) {
            applier = CredentialApplier.forPool(pool, preferProvider, started());
        }
        return applier;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String kind() {
        return "hikari";
    }

    @Override
    public String mechanism() {
        return applier().mechanism().name();
    }

    @Override
    public boolean started() {
        return pool.getHikariPoolMXBean() != null;
    }

    /**
     * A data source that opens connections exactly as the pool does (its own DataSource, DataSource class
     * and properties, or driver, URL and properties), without going through the pool. {@code null} for a
     * JNDI pool.
     */
    @Override
    public DataSource physical() {
        DataSource configured = pool.getDataSource();
        if (configured != null) {
            return configured;
        }
        String className = pool.getDataSourceClassName();
        if (className != null) {
            try {
                Class<?> type =
                        Class.forName(className, true, Thread.currentThread().getContextClassLoader());
                DataSource created = (DataSource) type.getDeclaredConstructor().newInstance();
                PropertyElf.setTargetFromProperties(created, pool.getDataSourceProperties());
                return created;
            } catch (ReflectiveOperationException | ClassCastException e) {
                throw new IllegalArgumentException(
                        "pool " + name + ": dataSourceClassName " + className + " cannot be instantiated", e);
            }
        }
        if (pool.getJdbcUrl() != null) {
            return new DriverDataSource(
                    pool.getJdbcUrl(), pool.getDriverClassName(), pool.getDataSourceProperties(), null, null);
        }
        return null;
    }

    @Override
    public void install(DataSource logins) {
        pool.setDataSource(logins);
    }

    @Override
    public void setCredentials(Credentials c) {
        applier().apply(c);
    }

    @Override
    public void retire() {
        HikariPoolMXBean mx = pool.getHikariPoolMXBean();
        if (mx != null) {
            mx.softEvictConnections();
        }
    }

    @Override
    public int borrowed() {
        HikariPoolMXBean mx = pool.getHikariPoolMXBean();
        return mx == null ? -1 : mx.getActiveConnections();
    }

    @Override
    public Credentials configured() {
        return pool.getUsername() == null
                ? null
                : Credentials.of(pool.getUsername(), pool.getPassword(), "pool configuration");
    }

    @Override
    public boolean closesRetiredAtNextBorrow() {
        // HikariCP 5 puts an evicted connection back in the bag when it is returned.
        return applier().mechanism() == CredentialsMechanism.USERNAME_AND_PASSWORD;
    }

    @Override
    public Duration maxLifetime() {
        long ms = pool.getMaxLifetime();
        return ms > 0 ? Duration.ofMillis(ms) : null;
    }
}
