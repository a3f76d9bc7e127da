package dev.scaivault.hikari;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.scaivault.hikari.Pg.PoolKind;
import dev.scaivault.pool.RotationListener;
import dev.scaivault.pool.load.RotationLoad;
import dev.scaivault.source.Credentials;
import dev.scaivault.testkit.pg.TestPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Validation, superseding, a pool bound after it started, and no secret in any log line. */
class HikariBindingIT {
    static Pg pg;

    @BeforeAll
    static void start() {
        pg = new Pg(TestPostgres.start());
    }

    @AfterAll
    static void stop() {
        pg.server().close();
    }

    /** The opposite window: the source is ahead of the database, as when a secret is written first. */
    @Test
    void validationKeepsTheOldCredentialsUntilTheDatabaseAcceptsTheNewOnes() throws Exception {
        String role = "app_validate";
        String first = Pg.newPassword();
        pg.createRole(role, first);
        var source = new TestCredentialSource(Credentials.of(role, first, "v0"));
        var validationFailures = new AtomicInteger();
        var load = RotationLoad.builder()
                .pool("hikari", HikariVersion.onClassPath())
                .rotations(10)
                .build();
        RotationListener loadListener = load.listener();
        // The load counts hand-offs to pace its rotations; the one before it starts is not its own.
        var loadRunning = new AtomicBoolean();
        RotationListener listener = new RotationListener() {
            @Override
            public void onValidationFailed(String origin, int attempt, String failure) {
                validationFailures.incrementAndGet();
            }

            @Override
            public void onNewCredentialsInUse(String origin, Duration sinceSourceChange) {
                if (loadRunning.get()) {
                    loadListener.onNewCredentialsInUse(origin, sinceSourceChange);
                }
            }

            @Override
            public void onHandOff(String previousOrigin, Duration drainTime, boolean timedOut) {
                if (loadRunning.get()) {
                    loadListener.onHandOff(previousOrigin, drainTime, timedOut);
                }
            }
        };
        try (HikariDataSource ds = pg.lazyPool(PoolKind.JDBC_URL, "validate");
                var binding = HikariCredentialBinding.builder(ds, source)
                        .validateBeforeApply(true)
                        .listener(listener)
                        .bind()) {
            assertThat(currentUser(ds)).isEqualTo(role);

            String second = Pg.newPassword();
            CompletableFuture<Void> handedOff = source.publishNext(Credentials.of(role, second, "v1"));
            await().atMost(Duration.ofSeconds(10)).until(() -> validationFailures.get() >= 2);
            assertThat(binding.metrics().rotations()).isZero();
            assertThat(ds.getPassword()).isEqualTo(first);
            assertThat(handedOff).isNotDone();

            pg.alterPassword(role, second);
            handedOff.get(10, TimeUnit.SECONDS);
            assertThat(binding.metrics().rotations()).isEqualTo(1);
            assertThat(ds.getPassword()).isEqualTo(second);

            loadRunning.set(true);
            var report = load.run("source-first-validated/JDBC_URL/" + binding.mechanism(), ds, i -> {
                        String next = Pg.newPassword();
                        source.publishNext(Credentials.of(role, next, "v" + (i + 2)));
                        TimeUnit.MILLISECONDS.sleep(ThreadLocalRandom.current().nextLong(301));
                        pg.alterPassword(role, next);
                    })
                    .print();
            assertThat(report.failedQueries()).as(report.toString()).isZero();
        } finally {
            source.close();
        }
    }

    @Test
    void aNewerChangeSupersedesOneStillBeingValidated() throws Exception {
        String role = "app_supersede";
        String first = Pg.newPassword();
        pg.createRole(role, first);
        var source = new TestCredentialSource(Credentials.of(role, first, "v0"));
        var validationFailures = new AtomicInteger();
        var rotated = new ArrayList<String>();
        try (HikariDataSource ds = pg.lazyPool(PoolKind.DATA_SOURCE, "supersede");
                var binding = HikariCredentialBinding.builder(ds, source)
                        .validateBeforeApply(true)
                        .listener(new RotationListener() {
                            @Override
                            public void onValidationFailed(String origin, int attempt, String failure) {
                                validationFailures.incrementAndGet();
                            }

                            @Override
                            public void onRotation(String previousOrigin, String origin, Instant at) {
                                synchronized (rotated) {
                                    rotated.add(origin);
                                }
                            }
                        })
                        .bind()) {
            assertThat(currentUser(ds)).isEqualTo(role);
            CompletableFuture<Void> first2never =
                    source.publishNext(Credentials.of(role, Pg.newPassword(), "v1 (never in the database)"));
            await().atMost(Duration.ofSeconds(10)).until(() -> validationFailures.get() >= 1);

            String third = Pg.newPassword();
            pg.alterPassword(role, third);
            CompletableFuture<Void> secondToThird = source.publishNext(Credentials.of(role, third, "v2"));

            first2never.get(10, TimeUnit.SECONDS);
            secondToThird.get(10, TimeUnit.SECONDS);
            synchronized (rotated) {
                assertThat(rotated).containsExactly("v2");
            }
            assertThat(binding.metrics().rotations()).isEqualTo(1);
            assertThat(currentUser(ds)).isEqualTo(role);
        } finally {
            source.close();
        }
    }

    /**
     * A connection borrowed before a rotation keeps its credentials until it is returned, and the source
     * gets the hand-off only then, on a quiet pool too (HikariCP 5 closes an evicted connection only at its
     * next borrow, so the binding evicts once more).
     */
    @Test
    void aConnectionBorrowedAcrossARotationHoldsTheHandOffUntilItIsReturned() throws Exception {
        String password0 = Pg.newPassword();
        pg.createRole("app_held_0", password0);
        var source = new TestCredentialSource(Credentials.of("app_held_0", password0, "lease 0"));
        try (HikariDataSource ds = pg.lazyPool(PoolKind.JDBC_URL, "held");
                var binding = HikariCredentialBinding.bind(ds, source)) {
            Connection held = ds.getConnection();
            String password1 = Pg.newPassword();
            pg.createRole("app_held_1", password1);
            CompletableFuture<Void> handOff = source.publishNext(Credentials.of("app_held_1", password1, "lease 1"));
            await().atMost(Duration.ofSeconds(10)).until(() -> binding.metrics().rotations() == 1);
            await().atMost(Duration.ofSeconds(10)).until(() -> currentUser(ds).equals("app_held_1"));
            assertThat(binding.metrics().connectionsOnPreviousCredentials()).isEqualTo(1);
            assertThat(handOff).isNotDone();

            try (Statement st = held.createStatement();
                    ResultSet rs = st.executeQuery("SELECT current_user")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("app_held_0");
            }
            held.close();

            handOff.get(10, TimeUnit.SECONDS);
            assertThat(binding.metrics().connectionsOnPreviousCredentials()).isZero();
            pg.terminateAndDrop("app_held_0");
            assertThat(currentUser(ds)).isEqualTo("app_held_1");
        } finally {
            source.close();
        }
    }

    /**
     * The first connection with new credentials is opened by the binding before it evicts (so that login
     * neither runs while the database ends the evicted sessions nor waits for a slot and HikariCP's
     * add-connection path) and is the pool's next new connection: no extra login, no extra connection.
     */
    @Test
    void theFirstConnectionWithNewCredentialsIsOpenedAheadAndTakenByThePool() throws Exception {
        String password0 = Pg.newPassword();
        pg.createRole("app_ahead_0", password0);
        var source = new TestCredentialSource(Credentials.of("app_ahead_0", password0, "lease 0"));
        var logins = new CountingDataSource(pg.simpleDataSource());
        var firstUse = new CompletableFuture<Duration>();
        try (HikariDataSource ds = pg.lazyPool(PoolKind.DATA_SOURCE, "ahead")) {
            ds.setDataSource(logins);
            try (var binding = HikariCredentialBinding.builder(ds, source)
                    .listener(new RotationListener() {
                        @Override
                        public void onNewCredentialsInUse(String origin, Duration sinceSourceChange) {
                            if (origin.equals("lease 1")) {
                                firstUse.complete(sinceSourceChange);
                            }
                        }
                    })
                    .bind()) {
                assertThat(currentUser(ds)).isEqualTo("app_ahead_0");
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> ds.getHikariPoolMXBean().getTotalConnections() == 5);

                String password1 = Pg.newPassword();
                pg.createRole("app_ahead_1", password1);
                source.publishNext(Credentials.of("app_ahead_1", password1, "lease 1"))
                        .get(10, TimeUnit.SECONDS);
                firstUse.get(10, TimeUnit.SECONDS);
                // The server lists a session before the driver's getConnection returns and the login is counted.
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> logins.threadsOf("app_ahead_1").size() == 5);

                List<String> threads = logins.threadsOf("app_ahead_1");
                assertThat(threads).hasSize(5);
                assertThat(threads.get(0)).startsWith("scaivault-hikari-ahead-");
                assertThat(threads.subList(1, 5)).noneSatisfy(t -> assertThat(t).startsWith("scaivault-"));
                assertThat(binding.metrics().rotations()).isEqualTo(1);
                assertThat(currentUser(ds)).isEqualTo("app_ahead_1");
                assertThat(sessionsOf("app_ahead_1")).isEqualTo(5);
            }
        } finally {
            source.close();
        }
    }

    /** A pool that needs no new connection (minimumIdle 0, no demand) never takes it: it is closed. */
    @Test
    void aConnectionOpenedAheadThatThePoolDoesNotTakeIsClosed() throws Exception {
        String password0 = Pg.newPassword();
        pg.createRole("app_untaken_0", password0);
        var source = new TestCredentialSource(Credentials.of("app_untaken_0", password0, "lease 0"));
        var logins = new CountingDataSource(pg.simpleDataSource());
        try (HikariDataSource ds = pg.lazyPool(PoolKind.DATA_SOURCE, "untaken")) {
            ds.setDataSource(logins);
            ds.setMinimumIdle(0);
            try (var binding = HikariCredentialBinding.builder(ds, source)
                    .maxDrainTime(Duration.ofSeconds(1))
                    .bind()) {
                assertThat(currentUser(ds)).isEqualTo("app_untaken_0");

                String password1 = Pg.newPassword();
                pg.createRole("app_untaken_1", password1);
                source.publishNext(Credentials.of("app_untaken_1", password1, "lease 1"))
                        .get(10, TimeUnit.SECONDS);
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> logins.threadsOf("app_untaken_1").size() == 1);
                assertThat(logins.threadsOf("app_untaken_1").get(0)).startsWith("scaivault-hikari-ahead-");

                await().atMost(Duration.ofSeconds(10)).until(() -> sessionsOf("app_untaken_1") == 0);
                assertThat(ds.getHikariPoolMXBean().getTotalConnections()).isZero();
                assertThat(currentUser(ds)).isEqualTo("app_untaken_1");
            }
        } finally {
            source.close();
        }
    }

    /** Bound late, the binding still rotates; it only loses bridging and the per-connection drain. */
    @Test
    void aPoolThatAlreadyRunsStillRotates() throws Exception {
        String role0 = "app_started_0";
        String password0 = Pg.newPassword();
        pg.createRole(role0, password0);
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(pg.server().jdbcUrl());
        config.setUsername(role0);
        config.setPassword(password0);
        config.setMaximumPoolSize(3);
        config.setPoolName("started");
        var source = new TestCredentialSource(Credentials.of(role0, password0, "lease 0"));
        try (HikariDataSource ds = new HikariDataSource(config);
                var binding = HikariCredentialBinding.bind(ds, source)) {
            assertThat(binding.metrics().connectionsOnPreviousCredentials()).isEqualTo(-1);
            for (int i = 1; i <= 3; i++) {
                String role = "app_started_" + i;
                String password = Pg.newPassword();
                pg.createRole(role, password);
                source.publishNext(Credentials.of(role, password, "lease " + i)).get(10, TimeUnit.SECONDS);
                pg.terminateAndDrop("app_started_" + (i - 1));
                assertThat(currentUser(ds)).isEqualTo(role);
            }
            assertThat(binding.metrics().rotations()).isEqualTo(3);
        } finally {
            source.close();
        }
    }

    @Test
    void noSecretReachesALogLineOrAToString() throws Exception {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Logger ours = (Logger) LoggerFactory.getLogger("dev.scaivault");
        Logger hikari = (Logger) LoggerFactory.getLogger("com.zaxxer.hikari");
        Level oursBefore = ours.getLevel();
        Level hikariBefore = hikari.getLevel();
        ListAppender<ILoggingEvent> captured = new ListAppender<>();
        captured.start();
        root.addAppender(captured);
        ours.setLevel(Level.DEBUG);
        hikari.setLevel(Level.DEBUG);

        String role = "app_secrets";
        List<String> passwords = new ArrayList<>();
        passwords.add(Pg.newPassword());
        pg.createRole(role, passwords.get(0));
        var source = new TestCredentialSource(Credentials.of(role, passwords.get(0), "v0"));
        var bridged = new AtomicInteger();
        var validationFailures = new AtomicInteger();
        List<String> strings = new ArrayList<>();
        try (HikariDataSource ds = pg.lazyPool(PoolKind.JDBC_URL, "secrets");
                var binding = HikariCredentialBinding.builder(ds, source)
                        .validateBeforeApply(true)
                        .listener(new RotationListener() {
                            @Override
                            public void onAuthFailureBridged(String failure, boolean recovered) {
                                bridged.incrementAndGet();
                            }

                            @Override
                            public void onValidationFailed(String origin, int attempt, String failure) {
                                validationFailures.incrementAndGet();
                            }
                        })
                        .bind()) {
            assertThat(currentUser(ds)).isEqualTo(role);

            // A validation failure: the source is ahead of the database.
            passwords.add(Pg.newPassword());
            var v1 = source.publishNext(Credentials.of(role, passwords.get(1), "v1"));
            await().atMost(Duration.ofSeconds(10)).until(() -> validationFailures.get() >= 1);
            pg.alterPassword(role, passwords.get(1));
            v1.get(10, TimeUnit.SECONDS);

            // A bridged failure: the database is ahead of the source and the pool must refill.
            passwords.add(Pg.newPassword());
            pg.alterPassword(role, passwords.get(2));
            ds.getHikariPoolMXBean().softEvictConnections();
            CompletableFuture<String> user = CompletableFuture.supplyAsync(() -> currentUser(ds));
            await().atMost(Duration.ofSeconds(10)).until(() -> bridged.get() >= 1);
            source.publishNext(Credentials.of(role, passwords.get(2), "v2")).get(10, TimeUnit.SECONDS);
            assertThat(user.get(10, TimeUnit.SECONDS)).isEqualTo(role);

            strings.add(binding.toString());
            strings.add(binding.metrics().toString());
            strings.add(String.valueOf(ds.getDataSource()));
            strings.add(source.toString());
            strings.add(source.current().toString());
        } finally {
            source.close();
            root.detachAppender(captured);
            ours.setLevel(oursBefore);
            hikari.setLevel(hikariBefore);
        }

        List<String> lines = new ArrayList<>(strings);
        for (ILoggingEvent e : captured.list) {
            lines.add(e.getFormattedMessage());
            IThrowableProxy t = e.getThrowableProxy();
            if (t != null) {
                lines.add(ThrowableProxyUtil.asString(t));
            }
        }
        assertThat(captured.list).as("log lines captured").hasSizeGreaterThan(5);
        assertThat(lines).anySatisfy(l -> assertThat(l).contains("failed authentication"));
        for (String password : passwords) {
            assertThat(lines).noneSatisfy(l -> assertThat(l).contains(password));
        }
    }

    private static int sessionsOf(String role) throws SQLException {
        try (Connection c = pg.server().admin();
                Statement st = c.createStatement();
                ResultSet rs =
                        st.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE usename = '" + role + "'")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static String currentUser(DataSource ds) {
        try (Connection c = ds.getConnection();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT current_user")) {
            rs.next();
            return rs.getString(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
