package dev.scaivault.examples.rotationdemo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.zaxxer.hikari.HikariDataSource;
import dev.scaivault.Auth;
import dev.scaivault.Credentials;
import dev.scaivault.ScaiVault;
import dev.scaivault.SecretSource;
import dev.scaivault.file.SighupReload;
import dev.scaivault.hikari.HikariCredentialBinding;
import dev.scaivault.hikari.RotationListener;
import dev.scaivault.internal.Threads;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The demo a new user runs first: embedded PostgreSQL, the testkit's dev server with a PostgreSQL dynamic
 * engine, ONE HikariCP pool bound by {@link HikariCredentialBinding}, query threads that never stop, and
 * credential rotations through every delivery path in turn. Exits 0 only if no query failed.
 */
public final class RotationDemo {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
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
        ThreadFactory threads = Threads.daemonFactory("scaivault-demo-query");
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
                HikariDataSource pool = new HikariDataSource()) {
            pool.setJdbcUrl(pg.jdbcUrl());
            pool.setPoolName("rotation-demo");
            pool.setMaximumPoolSize(5);
            pool.setConnectionTimeout(10_000);

            HikariCredentialBinding binding = null;
            SecretSource<Credentials> previous = null;
            long setUp = System.nanoTime();
            try {
                for (int p = 0; p < stats.size(); p++) {
                    PathStats st = stats.get(p);
                    DeliveryPath path = DeliveryPath.create(
                            st.name, work, pg.adminDataSource(), vault.dynamic(), options.leaseTtl());
                    SecretSource<Credentials> next = path.open();
                    st.firstOrigin = next.current().origin();
                    active = st;
                    var handedOver = source.switchTo(next, c -> {
                        secrets.accept(c.password());
                        byOrigin.put(c.origin(), st);
                    });
                    if (binding == null) {
                        // Before the pool starts, so the binding sees every physical connection.
                        binding = HikariCredentialBinding.builder(pool, source)
                                .maxDrainTime(Duration.ofSeconds(10))
                                .listener(new Listener())
                                .bind();
                        for (int t = 0; t < options.threads(); t++) {
                            Thread w = threads.newThread(() -> query(pool));
                            workers.add(w);
                            w.start();
                        }
                        progress =
                                Threads.daemonFactory("scaivault-demo-progress").newThread(this::progress);
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
                if (binding != null) {
                    binding.close();
                }
                if (previous != null) {
                    previous.close();
                }
            }
            double wall = (System.nanoTime() - started) / 1e9;
            double load = (System.nanoTime() - setUp) / 1e9;
            printTable(wall, load);
            writeReport();
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

    private void query(HikariDataSource pool) {
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        while (!stop.get()) {
            PathStats st = active;
            try (Connection c = pool.getConnection();
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT 1")) {
                rs.next();
                TimeUnit.MILLISECONDS.sleep(rnd.nextLong(21));
                st.queriesOk.increment();
            } catch (SQLException | RuntimeException e) {
                st.failed(e.getClass().getSimpleName() + (e instanceof SQLException s ? " " + s.getSQLState() : "")
                        + ": " + e.getMessage());
            } catch (InterruptedException e) {
                return;
            }
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

    private void printTable(double wallSeconds, double loadSeconds) {
        String fmt = "%-9s %9s %11s %8s %8s %8s %8s %8s %8s%n";
        out.printf(
                Locale.ROOT,
                fmt,
                "path",
                "rotations",
                "queries ok",
                "failed",
                "prop p50",
                "prop p99",
                "drain 50",
                "drain 99",
                "bridged");
        for (PathStats s : stats) {
            out.printf(
                    Locale.ROOT,
                    fmt,
                    s.name,
                    s.rotations.get(),
                    s.queriesOk.sum(),
                    s.queriesFailed.sum(),
                    ms(PathStats.quantileMs(s.propagationNanos, 0.50)),
                    ms(PathStats.quantileMs(s.propagationNanos, 0.99)),
                    ms(PathStats.quantileMs(s.drainNanos, 0.50)),
                    ms(PathStats.quantileMs(s.drainNanos, 0.99)),
                    s.bridgedAuthFailures.get());
        }
        long ok = stats.stream().mapToLong(s -> s.queriesOk.sum()).sum();
        long failed = stats.stream().mapToLong(s -> s.queriesFailed.sum()).sum();
        out.printf(
                Locale.ROOT,
                fmt,
                "total",
                stats.stream().mapToInt(s -> s.rotations.get()).sum(),
                ok,
                failed,
                "",
                "",
                "",
                "",
                "");
        out.printf(
                Locale.ROOT,
                "(ms; propagation = source change -> first new physical connection with the new credentials;"
                        + " drain = eviction -> hand-off of the previous credentials; bridged = new connections"
                        + " refused by the database before the new password arrived, retried by the binding)%n");
        int timeouts = stats.stream().mapToInt(s -> s.handOffTimeouts.get()).sum();
        out.printf(
                Locale.ROOT,
                "%d threads, pool size 5, %d path switches, %d hand-off timeouts; under load %.1f s, wall time %.1f s%n",
                options.threads(),
                Math.max(0, stats.size() - 1),
                timeouts,
                loadSeconds,
                wallSeconds);
    }

    private static String ms(Double v) {
        return v == null ? "-" : String.format(Locale.ROOT, "%.1f", v);
    }

    private void writeReport() throws IOException {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode paths = root.putArray("paths");
        for (PathStats s : stats) {
            ObjectNode p = paths.addObject();
            p.put("name", s.name);
            p.put("rotations", s.rotations.get());
            p.put("queriesOk", s.queriesOk.sum());
            p.put("queriesFailed", s.queriesFailed.sum());
            p.put("propagationMsP50", PathStats.quantileMs(s.propagationNanos, 0.50));
            p.put("propagationMsP99", PathStats.quantileMs(s.propagationNanos, 0.99));
            p.put("drainMsP50", PathStats.quantileMs(s.drainNanos, 0.50));
            p.put("drainMsP99", PathStats.quantileMs(s.drainNanos, 0.99));
        }
        root.put("queriesOk", stats.stream().mapToLong(s -> s.queriesOk.sum()).sum());
        root.put(
                "queriesFailed",
                stats.stream().mapToLong(s -> s.queriesFailed.sum()).sum());
        Path file = options.report().toAbsolutePath();
        Files.createDirectories(file.getParent());
        JSON.writeValue(file.toFile(), root);
        out.println("report: " + file);
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // A temp directory left behind is harmless.
        }
    }

    /** Attributes what the binding reports to the path whose credentials it concerns. */
    private final class Listener implements RotationListener {
        private PathStats of(String origin) {
            return origin == null ? unknown : byOrigin.getOrDefault(origin, unknown);
        }

        @Override
        public void onRotation(String previousOrigin, String origin, Instant at) {
            PathStats st = of(origin);
            if (!origin.equals(st.firstOrigin)) {
                st.rotations.incrementAndGet();
            }
        }

        @Override
        public void onNewCredentialsInUse(String origin, Duration sinceSourceChange) {
            PathStats st = of(origin);
            if (!origin.equals(st.firstOrigin)) {
                st.propagationNanos.add(sinceSourceChange.toNanos());
            }
        }

        @Override
        public void onHandOff(String previousOrigin, Duration drainTime, boolean timedOut) {
            PathStats st = of(previousOrigin);
            if (st != active) {
                return; // a path switch: the previous path's last credentials
            }
            st.drainNanos.add(drainTime.toNanos());
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
