package dev.scaivault.benchmarks;

import com.zaxxer.hikari.HikariDataSource;
import dev.scaivault.hikari.HikariCredentialBinding;
import dev.scaivault.source.AbstractSecretSource;
import dev.scaivault.source.Credentials;
import dev.scaivault.testkit.pg.TestPostgres;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * {@code getConnection()} + {@code close()} through a pool bound to a credential source versus the same
 * pool unbound, against embedded PostgreSQL with a scram-sha-256 role. The binding sits only on the path
 * that opens physical connections, so borrowing should cost the same; this measures that it does.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class HikariBindingBenchmark {
    private static final String ROLE = "bench_app";
    private static final String PASSWORD = "bench-password";

    @Param({"unbound", "bound"})
    public String pool;

    private TestPostgres pg;
    private HikariDataSource ds;
    private HikariCredentialBinding binding;
    private Fixed source;

    @Setup(Level.Trial)
    public void setUp() throws SQLException {
        pg = TestPostgres.start();
        try (Connection c = pg.admin();
                Statement st = c.createStatement()) {
            st.execute("CREATE ROLE " + ROLE + " LOGIN PASSWORD '" + PASSWORD + "'");
        }
        ds = new HikariDataSource();
        ds.setJdbcUrl(pg.jdbcUrl());
        ds.setPoolName("bench-" + pool);
        ds.setMaximumPoolSize(5);
        if (pool.equals("bound")) {
            source = new Fixed();
            binding = HikariCredentialBinding.bind(ds, source);
        } else {
            ds.setUsername(ROLE);
            ds.setPassword(PASSWORD);
        }
        try (Connection c = ds.getConnection()) {
            c.isValid(1);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (binding != null) {
            binding.close();
            source.close();
        }
        ds.close();
        pg.close();
    }

    @Benchmark
    public void getConnectionAndClose(Blackhole bh) throws SQLException {
        try (Connection c = ds.getConnection()) {
            bh.consume(c);
        }
    }

    static final class Fixed extends AbstractSecretSource<Credentials> {
        Fixed() {
            super("bench:fixed", Clock.systemUTC());
            publish(Credentials.of(ROLE, PASSWORD, "bench"));
        }

        @Override
        public CompletableFuture<Credentials> refreshNow() {
            return CompletableFuture.completedFuture(current());
        }
    }
}
