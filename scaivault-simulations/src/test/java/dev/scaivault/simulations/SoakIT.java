package dev.scaivault.simulations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import dev.scaivault.Auth;
import dev.scaivault.ScaiVault;
import dev.scaivault.file.FileSource;
import dev.scaivault.file.SighupReload;
import dev.scaivault.hikari.HikariCredentialBinding;
import dev.scaivault.lease.LeaseSource;
import dev.scaivault.rotation.RotatingSecretSource;
import dev.scaivault.source.Credentials;
import dev.scaivault.source.SecretSource;
import dev.scaivault.testkit.RoleConfig;
import dev.scaivault.testkit.ScaiVaultDevServer;
import dev.scaivault.testkit.files.KubeletVolume;
import dev.scaivault.testkit.files.RenameOverWriter;
import dev.scaivault.testkit.leak.LeakCheck;
import dev.scaivault.testkit.pg.TestPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The soak run ({@code -Psoak}, not in the default build): every delivery path rotates once a second for
 * {@code soak.minutes} (default 5) under query load through one HikariCP pool bound to a dynamic lease on
 * embedded PostgreSQL, while threads, open file descriptors and retained heap are sampled every 30 s. See
 * docs/soak.md.
 */
class SoakIT {
    static final Duration RUN = Duration.ofMinutes(Long.getLong("soak.minutes", 5));
    static final Duration WARM_UP = Duration.ofSeconds(60);
    static final Duration SAMPLE_EVERY = Duration.ofSeconds(30);
    static final int QUERY_THREADS = 4;

    /** Growth allowed from the first sample after warm-up to the end. */
    static final int THREAD_TOLERANCE = 8;

    static final int FD_TOLERANCE = 16;
    static final long HEAP_TOLERANCE_BYTES = 24L << 20;

    @TempDir
    Path tmp;

    record Sample(long atSeconds, String phase, int threads, long fds, long heapUsed) {}

    @Test
    void everyPathRotatesEverySecondUnderLoadWithoutGrowth() throws Exception {
        String token = "skt_soak_" + java.util.UUID.randomUUID();
        LeakCheck.secret(token);
        List<Sample> samples = new ArrayList<>();
        Map<String, AtomicLong> changes = new ConcurrentHashMap<>();
        AtomicLong queries = new AtomicLong();
        AtomicLong failedQueries = new AtomicLong();
        List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        long rotations = 0;
        String growth = "";

        try (TestPostgres pg = TestPostgres.start();
                ScaiVaultDevServer server = ScaiVaultDevServer.builder()
                        .staticToken(token, "idn_soak")
                        .postgresEngine("postgres", pg.adminDataSource(), pg.jdbcUrl())
                        // Born at its max: never renewed, a successor at the rotate point (2.4 s) every time.
                        .postgresRole("postgres", "app", RoleConfig.of(Duration.ofSeconds(3), Duration.ofSeconds(3)))
                        .requestLogLimit(1_000)
                        .start();
                ScaiVault vault = ScaiVault.builder()
                        .url(server.baseUrl())
                        .auth(Auth.token(token))
                        .maxAttempts(2)
                        .callBudget(Duration.ofSeconds(1))
                        .build();
                SighupReload hup = SighupReload.install()) {
            // The five paths.
            KubeletVolume kubelet = KubeletVolume.at(tmp.resolve("kubelet"));
            KubeletVolume csi = KubeletVolume.at(tmp.resolve("csi")).order(KubeletVolume.Order.LEGACY);
            Path sidecarFile = Files.createDirectories(tmp.resolve("sidecar")).resolve("db.json");
            RenameOverWriter sidecar = new RenameOverWriter().mode("rw-------");
            String staticPath = "apps/soak/db";
            kubelet.writeStrings(creds("kubelet", 0));
            csi.writeStrings(creds("csi", 0));
            sidecar.write(sidecarFile, json(creds("sidecar", 0)));
            server.putSecret(staticPath, creds("static", 0));

            List<SecretSource<Credentials>> sources = new ArrayList<>();
            try (SecretSource<Credentials> kubeletSource =
                            FileSource.builder(kubelet.dir()).build().map(Credentials.fromKeys());
                    SecretSource<Credentials> csiSource =
                            FileSource.builder(csi.dir()).build().map(Credentials.fromKeys());
                    SecretSource<Credentials> sidecarSource =
                            FileSource.builder(sidecarFile).build().map(Credentials.fromKeys());
                    SecretSource<Credentials> staticSource = RotatingSecretSource.builder(vault, staticPath)
                            .minPollInterval(Duration.ofMillis(200))
                            .build()
                            .map(Credentials.fromKeys());
                    SecretSource<Credentials> lease =
                            LeaseSource.builder(vault, "postgres", "app").build();
                    HikariDataSource pool = pool(pg);
                    HikariCredentialBinding binding = HikariCredentialBinding.bind(pool, lease)) {
                sources.addAll(List.of(kubeletSource, csiSource, sidecarSource, staticSource, lease));
                for (SecretSource<Credentials> s : sources) {
                    AtomicLong n = changes.computeIfAbsent(s.name(), k -> new AtomicLong());
                    s.subscribe(change -> {
                        n.incrementAndGet();
                        LeakCheck.secret(change.current().password());
                    });
                }

                List<Thread> load = new ArrayList<>();
                long stopAt = System.nanoTime() + RUN.toNanos();
                for (int i = 0; i < QUERY_THREADS; i++) {
                    Thread t =
                            new Thread(() -> query(pool, stopAt, queries, failedQueries, failures), "sim-query-" + i);
                    t.setDaemon(true);
                    t.start();
                    load.add(t);
                }

                Map<String, long[]> histogramAtBaseline = null;
                long started = System.nanoTime();
                long nextSample = started;
                int second = 0;
                while (System.nanoTime() < stopAt) {
                    long now = System.nanoTime();
                    if (now >= nextSample) {
                        long at = TimeUnit.NANOSECONDS.toSeconds(now - started);
                        samples.add(sample(at, at < WARM_UP.toSeconds() ? "warm-up" : "steady"));
                        if (histogramAtBaseline == null && at >= WARM_UP.toSeconds()) {
                            histogramAtBaseline = classHistogram();
                        }
                        nextSample += SAMPLE_EVERY.toNanos();
                    }
                    second++;
                    kubelet.writeStrings(creds("kubelet", second));
                    csi.writeStrings(creds("csi", second));
                    sidecar.write(sidecarFile, json(creds("sidecar", second)));
                    sighup();
                    server.rotateSecret(staticPath, creds("static", second));
                    rotations++;
                    long wake = started + TimeUnit.SECONDS.toNanos(second);
                    long sleep = wake - System.nanoTime();
                    if (sleep > 0) {
                        TimeUnit.NANOSECONDS.sleep(sleep);
                    }
                }
                for (Thread t : load) {
                    t.join(TimeUnit.SECONDS.toMillis(10));
                }
                samples.add(sample(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started), "steady"));
                growth = growth(histogramAtBaseline, classHistogram());
                int last = second;
                // Each file and the static secret end on their last version.
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                    assertThat(kubeletSource.current().password()).isEqualTo(password("kubelet", last));
                    assertThat(csiSource.current().password()).isEqualTo(password("csi", last));
                    assertThat(sidecarSource.current().password()).isEqualTo(password("sidecar", last));
                    assertThat(staticSource.current().password()).isEqualTo(password("static", last));
                });
                assertThat(lease.status().usableAt(java.time.Instant.now())).isTrue();
                System.out.printf(
                        "pool rotations %d, lease changes %d%n",
                        binding.metrics().rotations(), changes.get(lease.name()).get());
            }
        }
        samples.add(sample(RUN.toSeconds(), "end (all closed)"));

        print(samples, changes, rotations, queries.get(), failedQueries.get(), failures);
        System.out.println("classes whose instances grew most from the first steady sample to the last:\n" + growth);

        assertThat(failedQueries.get()).as("failed queries: %s", failures).isZero();
        assertThat(queries.get()).isGreaterThan(RUN.toSeconds() * 10);
        assertThat(changes.values()).allSatisfy(n -> assertThat(n.get()).isGreaterThan(RUN.toSeconds() / 5));
        Sample baseline = samples.stream()
                .filter(s -> s.phase().equals("steady"))
                .findFirst()
                .orElseThrow();
        List<Sample> steady =
                samples.stream().filter(s -> s.phase().equals("steady")).toList();
        Sample last = steady.get(steady.size() - 1);
        assertThat(last.threads()).as("threads").isLessThanOrEqualTo(baseline.threads() + THREAD_TOLERANCE);
        assertThat(last.fds()).as("open file descriptors").isLessThanOrEqualTo(baseline.fds() + FD_TOLERANCE);
        assertThat(last.heapUsed()).as("retained heap").isLessThanOrEqualTo(baseline.heapUsed() + HEAP_TOLERANCE_BYTES);
    }

    private static void query(
            HikariDataSource pool, long stopAt, AtomicLong queries, AtomicLong failed, List<String> failures) {
        while (System.nanoTime() < stopAt) {
            try (Connection c = pool.getConnection();
                    Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT current_user, count(*) FROM pg_class")) {
                rs.next();
                queries.incrementAndGet();
            } catch (Exception e) {
                failed.incrementAndGet();
                if (failures.size() < 20) {
                    failures.add(e.toString());
                }
            }
            try {
                // About 100 queries a second per thread: load, not a benchmark on a shared 2-core machine.
                TimeUnit.MILLISECONDS.sleep(10);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private static HikariDataSource pool(TestPostgres pg) {
        HikariDataSource ds = new HikariDataSource();
        ds.setJdbcUrl(pg.jdbcUrl());
        ds.setPoolName("soak");
        ds.setMaximumPoolSize(QUERY_THREADS);
        ds.setConnectionTimeout(5_000);
        return ds;
    }

    private static void sighup() throws IOException, InterruptedException {
        Process kill = new ProcessBuilder(
                        "kill", "-HUP", Long.toString(ProcessHandle.current().pid()))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        kill.getOutputStream().close();
        if (kill.waitFor() != 0) {
            throw new IllegalStateException("kill -HUP failed: " + kill.exitValue());
        }
    }

    static Map<String, String> creds(String path, int version) {
        return Map.of("username", "app_" + path, "password", password(path, version));
    }

    static String password(String path, int version) {
        return "soak-" + path + "-pw-" + version;
    }

    static String json(Map<String, String> m) {
        return "{\"username\":\"" + m.get("username") + "\",\"password\":\"" + m.get("password") + "\"}";
    }

    static Sample sample(long at, String phase) {
        // LeakCheck keeps every log event of the test until it is checked: check (and drop) them now, so the
        // heap figure is the client's, not the captured log's.
        LeakCheck.assertNoSecretLogged();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        int threads = ManagementFactory.getThreadMXBean().getThreadCount();
        long fds;
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            fds = s.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Sample(at, phase, threads, fds, heap);
    }

    /** Class name to {instances, bytes}, after a full GC, from the JVM's own class histogram. */
    static Map<String, long[]> classHistogram() {
        String text;
        try {
            text = (String) ManagementFactory.getPlatformMBeanServer()
                    .invoke(
                            new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand"),
                            "gcClassHistogram",
                            new Object[] {new String[0]},
                            new String[] {String[].class.getName()});
        } catch (javax.management.JMException e) {
            throw new IllegalStateException("no class histogram", e);
        }
        Map<String, long[]> m = new java.util.HashMap<>();
        for (String line : text.split("\n")) {
            String[] f = line.trim().split("\\s+");
            // "  12:  345  6789  [B (java.base@17)": the module, when there is one, is a fifth field.
            if (f.length >= 4 && f[0].endsWith(":")) {
                m.put(f[3], new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])});
            }
        }
        return m;
    }

    static String growth(Map<String, long[]> before, Map<String, long[]> after) {
        if (before == null) {
            return "  (no baseline)";
        }
        StringBuilder b = new StringBuilder();
        after.entrySet().stream()
                .map(e -> Map.entry(e.getKey(), new long[] {
                    e.getValue()[0] - before.getOrDefault(e.getKey(), new long[2])[0],
                    e.getValue()[1] - before.getOrDefault(e.getKey(), new long[2])[1]
                }))
                .sorted((x, y) -> Long.compare(y.getValue()[1], x.getValue()[1]))
                .limit(12)
                .forEach(e -> b.append(String.format(
                        "  %+9d instances %+10d bytes  %s%n", e.getValue()[0], e.getValue()[1], e.getKey())));
        return b.toString();
    }

    private static void print(
            List<Sample> samples,
            Map<String, AtomicLong> changes,
            long rotations,
            long queries,
            long failed,
            List<String> failures) {
        StringBuilder b = new StringBuilder("\n=== Soak ===\n");
        b.append(String.format(
                "%d s, %d rotations of each path, %d queries (%d failed) through one pool%n",
                RUN.toSeconds(), rotations, queries, failed));
        changes.forEach((k, v) -> b.append(String.format("  changes seen by %-28s %6d%n", k, v.get())));
        failures.forEach(f -> b.append("  failure: ").append(f).append('\n'));
        b.append(String.format("%8s  %-22s %8s %6s %12s%n", "t (s)", "phase", "threads", "fds", "heap (KiB)"));
        for (Sample s : samples) {
            b.append(String.format(
                    "%8d  %-22s %8d %6d %12d%n", s.atSeconds(), s.phase(), s.threads(), s.fds(), s.heapUsed() / 1024));
        }
        b.append(String.format(
                "tolerance after warm-up: threads +%d, fds +%d, heap +%d MiB%n",
                THREAD_TOLERANCE, FD_TOLERANCE, HEAP_TOLERANCE_BYTES >> 20));
        System.out.println(b);
    }
}
