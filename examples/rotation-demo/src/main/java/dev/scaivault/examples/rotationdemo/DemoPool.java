package dev.scaivault.examples.rotationdemo;

import com.zaxxer.hikari.HikariDataSource;
import dev.scaivault.hikari.HikariCredentialBinding;
import dev.scaivault.pool.CredentialDataSource;
import dev.scaivault.pool.PoolBinding;
import dev.scaivault.pool.RotationListener;
import dev.scaivault.source.Credentials;
import dev.scaivault.source.SecretSource;
import java.sql.SQLException;
import java.time.Duration;
import javax.sql.DataSource;
import oracle.ucp.admin.UniversalConnectionPoolManagerImpl;
import oracle.ucp.jdbc.PoolDataSource;
import oracle.ucp.jdbc.PoolDataSourceFactory;
import org.apache.commons.dbcp2.BasicDataSource;
import org.apache.tomcat.jdbc.pool.PoolProperties;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The demo's pool (option {@code --pool}), configured alike: 5 connections, 10 s to wait for one, no username or
 * password (the binding sets them). HikariCP and Tomcat JDBC log in through {@code timed}, so the timeline sees
 * each login; DBCP2 (a URL) and UCP (a connection factory class) take no data source object, so theirs are not
 * timed. {@code plain} is no pool: a {@link CredentialDataSource} over {@code timed}, every query a login.
 */
final class DemoPool implements AutoCloseable {
    private static final int SIZE = 5;
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final String kind;
    private final DataSource pool;
    private AutoCloseable binding;

    private DemoPool(String kind, DataSource pool) {
        this.kind = kind;
        this.pool = pool;
    }

    static DemoPool create(String kind, DataSource timed, String jdbcUrl, int port) throws SQLException {
        return switch (kind) {
            case "hikari" -> {
                HikariDataSource ds = new HikariDataSource();
                ds.setDataSource(timed);
                ds.setPoolName("rotation-demo");
                ds.setMaximumPoolSize(SIZE);
                ds.setConnectionTimeout(WAIT.toMillis());
                yield new DemoPool(kind, ds);
            }
            case "tomcat" -> {
                PoolProperties p = new PoolProperties();
                p.setDataSource(timed);
                p.setName("rotation-demo");
                p.setMaxActive(SIZE);
                p.setMaxIdle(SIZE);
                p.setMaxWait((int) WAIT.toMillis());
                yield new DemoPool(kind, new org.apache.tomcat.jdbc.pool.DataSource(p));
            }
            case "dbcp2" -> {
                BasicDataSource ds = new BasicDataSource();
                ds.setUrl(jdbcUrl);
                ds.setMaxTotal(SIZE);
                ds.setMaxWait(WAIT);
                yield new DemoPool(kind, ds);
            }
            case "ucp" -> {
                PoolDataSource ds = PoolDataSourceFactory.getPoolDataSource();
                ds.setConnectionPoolName("rotation-demo");
                ds.setConnectionFactoryClassName(PGSimpleDataSource.class.getName());
                ds.setURL(jdbcUrl);
                ds.setServerName("127.0.0.1");
                ds.setPortNumber(port);
                ds.setDatabaseName("postgres");
                ds.setMaxPoolSize(SIZE);
                ds.setConnectionWaitDuration(WAIT);
                yield new DemoPool(kind, ds);
            }
            case "plain" -> new DemoPool(kind, timed);
            default -> throw new IllegalArgumentException("unknown pool " + kind);
        };
    }

    /** Binds the pool to {@code source} before it starts, so the binding sees every physical login. */
    void bind(SecretSource<Credentials> source, RotationListener listener) {
        Duration drain = Duration.ofSeconds(10);
        if (pool instanceof HikariDataSource hikari) {
            binding = HikariCredentialBinding.builder(hikari, source)
                    .maxDrainTime(drain)
                    .listener(listener)
                    .bind();
        } else if (kind.equals("plain")) {
            binding = CredentialDataSource.builder(pool, source)
                    .maxDrainTime(drain)
                    .listener(listener)
                    .build();
        } else {
            binding = PoolBinding.builder(pool, source)
                    .maxDrainTime(drain)
                    .listener(listener)
                    .bind();
        }
    }

    /** Where the query threads get their connections. */
    DataSource dataSource() {
        return binding instanceof CredentialDataSource plain ? plain : pool;
    }

    /** Stops following the source; the pool stays open until {@link #close()}. */
    void unbind() throws Exception {
        if (binding != null) {
            binding.close();
        }
    }

    @Override
    public void close() throws Exception {
        if (pool instanceof AutoCloseable closeable && !kind.equals("plain")) {
            closeable.close();
        } else if (pool instanceof PoolDataSource ucp && ucp.getConnectionPoolName() != null) {
            UniversalConnectionPoolManagerImpl.getUniversalConnectionPoolManager()
                    .destroyConnectionPool(ucp.getConnectionPoolName());
        }
    }
}
