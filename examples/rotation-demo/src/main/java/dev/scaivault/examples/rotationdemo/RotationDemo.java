package dev.scaivault.examples.rotationdemo;

import com.zaxxer.hikari.util.DriverDataSource;
import dev.scaivault.Auth;
import dev.scaivault.ScaiVault;
import dev.scaivault.Time;
import dev.scaivault.file.SighupReload;
import dev.scaivault.pool.RotationListener;
import dev.scaivault.source.Credentials;
import dev.scaivault.source.SecretSource;
import dev.scaivault.testkit.RoleConfig;
import dev.scaivault.testkit.ScaiVaultDevServer;
import dev.scaivault.testkit.pg.TestPostgres;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.stream.Stream;
import javax.sql.DataSource;

/**
 * The demo a new user runs first: embedded PostgreSQL, the testkit's dev server with a PostgreSQL dynamic
 * engine, ONE pool (HikariCP by default, or the one {@code --pool} names: see {@link DemoPool}) bound to the
 * credentials, query threads that never stop, and
 * credential rotations through every delivery path in turn. Exits 0 only if no query failed. Measures, in the
 * same run, the floor each figure is compared with: a bare login for propagation, the borrowers' hold for
 * drain.
 */
public final class RotationDemo {
    private static final Duration HAND_OFF_TIMEOUT = Duration.ofSeconds(30);

    private final Options options;
    private final PrintStream out;
    private final PrintStream err;
    private final List<PathStats> stats = new ArrayList<>();
    private final Map<String, PathStats> byOrigin = new ConcurrentHashMap<>();
    /** Where reports about credentials of no known path go (none are expected). */
    private final PathStats unknown = new PathStats("(unknown)");

    private volatile PathStats active;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final Consumer<String> secrets;
    private final Timeline timeline = new Timeline();
    private final Machine machine = new Machine();

    /** {@code secrets} hears every credential the demo makes or receives, so a test can hunt for leaks. */
    RotationDemo(Options options, PrintStream out, PrintStream err, Consumer<String> secrets) {
        this.options = options;
        this.out = out;
        this.err = err;
        this.secrets = secrets;
        options.paths().forEach(p -> stats.add(new PathStats(p)));
        active = stats.get(0);
    }

    public static void main(String[] args) {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            boolean help = "help".equals(e.getMessage());
            (help ? System.out : System.err)
                    .println((help ? "" : "rotation-demo: " + e.getMessage() + "\n") + Options.USAGE);
            System.exit(help ? 0 : 2);
            return;
        }
        int code;
        try {
            code = new RotationDemo(options, System.out, System.err, secret -> {}).run();
        } catch (Exception e) {
            System.err.println();
            System.err.println("rotation-demo: FAILED: " + e);
            code = 1;
        }
        System.exit(code);
    }

    /** Runs the demo; returns the exit code and prints the one-line reason for a non-zero one. */
    int run() throws Exception {
        long started = System.nanoTime();
        String token = "skt_demo_" + DeliveryPath.newPassword();
        secrets.accept(token);
        Path work = Files.createTempDirectory("rotation-demo-");
        err.println("rotation-demo: starting embedded PostgreSQL and the ScaiVault dev server ...");
        String problem = null;
        ThreadFactory threads = Time.daemons("scaivault-demo-query");
        List<Thread> workers = new ArrayList<>();
        Thread progress = null;
        try (TestPostgres pg = TestPostgres.start();
                ScaiVaultDevServer server = ScaiVaultDevServer.builder()
                        .staticToken(token, "idn_rotation_demo")
                        .rateLimitsEnabled(false)
                        .postgresEngine(DeliveryPath.Dynamic.ENGINE, pg.adminDataSource(), pg.jdbcUrl())
                        .postgresRole(
                                DeliveryPath.Dynamic.ENGINE,
                                DeliveryPath.Dynamic.ROLE,
                                RoleConfig.of(options.leaseTtl(), options.leaseTtl()))
                        .start();
                ScaiVault vault = ScaiVault.builder()
                        .url(server.baseUrl())
                        .auth(Auth.token(token))
                        .build();
                SighupReload hup = SighupReload.install();
                PathSource source = new PathSource();
                DemoPool pool = DemoPool.create(
                        options.pool(), new TimedDataSource(driver(pg), timeline), pg.jdbcUrl(), pg.port())) {
            DataSource driver = driver(pg);

            machine.postgres(serverVersion(pg));
            machine.pool(options.pool());
            String baselinePassword = DeliveryPath.newPassword();
            secrets.accept(baselinePassword);
            try (Connection c = pg.admin();
                    Statement s = c.createStatement()) {
                s.execute("CREATE ROLE " + Baseline.ROLE + " LOGIN PASSWORD '" + baselinePassword + "'");
            }

            boolean bound = false;
            SecretSource<Credentials> previous = null;
            long setUp = System.nanoTime();
            try {
                for (int p = 0; p < stats.size(); p++) {
                    PathStats st = stats.get(p);
                    DeliveryPath path =
                            DeliveryPath.create(st.name, work, pg.adminDataSource(), vault, options.leaseTtl());
                    SecretSource<Credentials> next = path.open();
                    st.firstOrigin = next.current().origin();
                    active = st;
                    var handedOver = source.switchTo(next, new Seen(st));
                    if (!bound) {
                        // Before the pool starts, so the binding sees every physical connection.
                        pool.bind(source, new Listener());
                        bound = true;
                        DataSource queried = pool.dataSource();
                        for (int t = 0; t < options.threads(); t++) {
                            Thread w = threads.newThread(() -> query(queried));
                            workers.add(w);
                            w.start();
                        }
                        Thread probe = Time.daemons("scaivault-demo-baseline")
                                .newThread(new Baseline(driver, baselinePassword, () -> active, stop));
                        workers.add(probe);
                        probe.start();
                        progress = Time.daemons("scaivault-demo-progress").newThread(this::progress);
                        progress.start();
                        setUp = System.nanoTime();
                    } else {
                        handedOver.get(HAND_OFF_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                        previous.close();
                    }
                    previous = next;
                    problem = runPath(path, st);
                    if (problem != null) {
                        break;
                    }
                }
            } finally {
                stop.set(true);
                for (Thread w : workers) {
                    w.join(TimeUnit.SECONDS.toMillis(15));
                }
                if (progress != null) {
                    progress.join(TimeUnit.SECONDS.toMillis(2));
                }
                err.print("\r" + " ".repeat(110) + "\r");
                err.flush();
                pool.unbind();
                if (previous != null) {
                    previous.close();
                }
            }
            double wall = (System.nanoTime() - started) / 1e9;
            double load = (System.nanoTime() - setUp) / 1e9;
            machine.finished();
            Report report = new Report(stats, timeline, machine);
            int timeouts = stats.stream().mapToInt(s -> s.handOffTimeouts.get()).sum();
            report.print(out, options, Math.max(0, stats.size() - 1), timeouts, load, wall);
            Path file = options.report().toAbsolutePath();
            report.write(file, options, load, wall);
            out.println("report: " + file);
        } finally {
            deleteTree(work);
        }
        long failed = stats.stream().mapToLong(s -> s.queriesFailed.sum()).sum();
        if (failed > 0) {
            List<String> why = new ArrayList<>();
            stats.forEach(s -> why.addAll(s.firstFailures));
            err.println("rotation-demo: FAILED: " + failed + " queries failed; first: " + why.get(0));
            return 1;
        }
        if (problem != null) {
            err.println("rotation-demo: FAILED: " + problem);
            return 1;
        }
        return 0;
    }

    /** Rotates through one path; returns why it could not complete, or null. */
    private String runPath(DeliveryPath path, PathStats st) throws Exception {
        long start = System.nanoTime();
        long durationNanos = options.duration().toNanos();
        int n = options.rotations();
        if (path.selfRotating()) {
            // Each rotation the lease keeper makes must also be handed off (the old role dropped) in time.
            long budget = durationNanos + n * 3 * options.leaseTtl().toNanos() + TimeUnit.SECONDS.toNanos(30);
            boolean done = waitFor(() -> st.handOffs.get() >= n && System.nanoTime() - start >= durationNanos, budget);
            return done
                    ? null
                    : "path " + st.name + ": " + st.handOffs.get() + " of " + n + " rotations handed off within "
                            + TimeUnit.NANOSECONDS.toSeconds(budget) + " s";
        }
        long pace = durationNanos / n;
        for (int i = 0; i < n; i++) {
            int target = st.handOffs.get() + 1;
            path.rotate();
            if (!waitFor(() -> st.handOffs.get() >= target, HAND_OFF_TIMEOUT.toNanos())) {
                return "path " + st.name + ": rotation " + (i + 1) + " was not handed off within "
                        + HAND_OFF_TIMEOUT.toSeconds() + " s";
            }
            long sleep = start + (i + 1) * pace - System.nanoTime();
            if (sleep > 0) {
                TimeUnit.NANOSECONDS.sleep(sleep);
            }
        }
        return null;
    }

    private static boolean waitFor(BooleanSupplier condition, long timeoutNanos) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutNanos;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            TimeUnit.MILLISECONDS.sleep(5);
        }
        return true;
    }

    /** What HikariCP makes of setJdbcUrl(url): a DriverDataSource. */
    private static DataSource driver(TestPostgres pg) {
        return new DriverDataSource(pg.jdbcUrl(), null, new Properties(), null, null);
    }

    private void query(DataSource pool) {
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        List<Timeline.Hold> holds = timeline.holdsOfThread();
        while (!stop.get()) {
            PathStats st = active;
            long borrowed = -1;
            try (Connection c = pool.getConnection()) {
                borrowed = Timeline.now();
                try (Statement s = c.createStatement();
                        ResultSet rs = s.executeQuery("SELECT 1")) {
                    rs.next();
                }
                TimeUnit.MILLISECONDS.sleep(rnd.nextLong(21));
                st.queriesOk.increment();
            } catch (SQLException | RuntimeException e) {
                st.failed(e.getClass().getSimpleName() + (e instanceof SQLException s ? " " + s.getSQLState() : "")
                        + ": " + e.getMessage());
            } catch (InterruptedException e) {
                return;
            } finally {
                if (borrowed >= 0) {
                    holds.add(new Timeline.Hold(borrowed, Timeline.now()));
                }
            }
        }
    }

    private static String serverVersion(TestPostgres pg) throws SQLException {
        try (Connection c = pg.admin();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SHOW server_version")) {
            return rs.next() ? rs.getString(1) : "unknown";
        }
    }

    private void progress() {
        while (!stop.get()) {
            PathStats st = active;
            long ok = 0;
            long failed = 0;
            int rotations = 0;
            for (PathStats s : stats) {
                ok += s.queriesOk.sum();
                failed += s.queriesFailed.sum();
                rotations += s.rotations.get();
            }
            String line = String.format(
                    Locale.ROOT,
                    "[%s] rotations %d (this path %d/%d) | queries ok %d failed %d",
                    st.name,
                    rotations,
                    st.rotations.get(),
                    options.rotations(),
                    ok,
                    failed);
            err.print("\r" + line + " ".repeat(Math.max(0, 100 - line.length())));
            err.flush();
            try {
                TimeUnit.MILLISECONDS.sleep(200);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // A temp directory left behind is harmless.
        }
    }

    /** Registers each path's credentials (for the leak hunt, the attribution and the timeline) as they pass. */
    private final class Seen implements PathSource.Seen {
        private final PathStats st;

        Seen(PathStats st) {
            this.st = st;
        }

        @Override
        public void seen(Credentials c, Instant sourceAt) {
            secrets.accept(c.password());
            byOrigin.put(c.origin(), st);
            st.steps.add(timeline.seen(c, st, sourceAt != null, sourceAt != null ? sourceAt : Instant.now()));
        }

        @Override
        public void publishing(Credentials c) {
            Timeline.Step step = timeline.ofOrigin(c.origin());
            if (step != null) {
                step.publishedAt = Timeline.now();
            }
        }
    }

    /** Attributes what the binding reports to the path whose credentials it concerns. */
    private final class Listener implements RotationListener {
        private PathStats of(String origin) {
            return origin == null ? unknown : byOrigin.getOrDefault(origin, unknown);
        }

        @Override
        public void onRotation(String previousOrigin, String origin, Instant at) {
            timeline.applied(previousOrigin, origin, at);
            PathStats st = of(origin);
            if (!origin.equals(st.firstOrigin)) {
                st.rotations.incrementAndGet();
            }
        }

        @Override
        public void onNewCredentialsInUse(String origin, Duration sinceSourceChange) {
            PathStats st = of(origin);
            if (!origin.equals(st.firstOrigin)) {
                long micros = TimeUnit.NANOSECONDS.toMicros(sinceSourceChange.toNanos());
                st.propagation.add(micros);
                Timeline.Step step = timeline.ofOrigin(origin);
                if (step != null) {
                    step.propagation = micros;
                }
            }
        }

        @Override
        public void onHandOff(String previousOrigin, Duration drainTime, boolean timedOut) {
            PathStats st = of(previousOrigin);
            if (st != active) {
                return; // a path switch: the previous path's last credentials
            }
            long micros = TimeUnit.NANOSECONDS.toMicros(drainTime.toNanos());
            st.drain.add(micros);
            Timeline.Step step = timeline.retiredBy(previousOrigin);
            if (step != null) {
                step.drain = micros;
            }
            if (timedOut) {
                st.handOffTimeouts.incrementAndGet();
            }
            st.handOffs.incrementAndGet();
        }

        @Override
        public void onAuthFailureBridged(String failure, boolean recovered) {
            active.bridgedAuthFailures.incrementAndGet();
        }
    }
}
