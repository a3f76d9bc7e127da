package dev.scaivault.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.scaivault.Auth;
import dev.scaivault.ScaiVault;
import dev.scaivault.TokenCacheBenchmark;
import dev.scaivault.testkit.Machine;
import dev.scaivault.testkit.ScaiVaultDevServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Regenerates the figures of the README's "Measured" table that take minutes, not hours, each next to a
 * baseline taken in the same run on the same machine (figures in nanoseconds or milliseconds mean little on
 * another machine; their ratio to a floor measured alongside does): the quickstart's time to a first secret,
 * the JMH benchmarks, file propagation and the rotation demo. Writes {@code figures.json} (every figure, the
 * machine facts, the demo's full report) and {@code figures.md} (the table for the README) into {@code --out}.
 * Run by {@code scripts/figures.sh}, which builds first and passes the build times.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar dev.scaivault.benchmarks.Figures [--quick] [--out DIR]
 *     [--demo-jar PATH] [--build-seconds S] [--cold-build-seconds S]</pre>
 */
public final class Figures {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final String PATH = "environments/production/billing/database";
    private static final int FIRST_READS = 20;

    private final boolean quick;
    private final Path out;
    private final Path demoJar;
    private final Double buildSeconds;
    private final Double coldBuildSeconds;
    private final Map<String, Object> root = new LinkedHashMap<>();
    private final long started = System.nanoTime();

    private Figures(boolean quick, Path out, Path demoJar, Double buildSeconds, Double coldBuildSeconds) {
        this.quick = quick;
        this.out = out;
        this.demoJar = demoJar;
        this.buildSeconds = buildSeconds;
        this.coldBuildSeconds = coldBuildSeconds;
    }

    public static void main(String[] args) throws Exception {
        boolean quick = false;
        Path out = null;
        Path demoJar = Path.of("examples", "rotation-demo", "target", "rotation-demo.jar");
        Double build = null;
        Double coldBuild = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--quick" -> quick = true;
                case "--out" -> out = Path.of(value(args, ++i, a));
                case "--demo-jar" -> demoJar = Path.of(value(args, ++i, a));
                case "--build-seconds" -> build = seconds(value(args, ++i, a), a);
                case "--cold-build-seconds" -> coldBuild = seconds(value(args, ++i, a), a);
                default -> {
                    System.err.println("figures: unknown option " + a);
                    System.exit(2);
                }
            }
        }
        if (out == null) {
            out = Path.of(
                    "target",
                    "figures",
                    DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HHmmss'Z'")
                            .withZone(ZoneOffset.UTC)
                            .format(Instant.now()));
        }
        int code = new Figures(quick, out, demoJar, build, coldBuild).run();
        System.exit(code);
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            System.err.println("figures: option " + option + " needs a value");
            System.exit(2);
        }
        return args[i];
    }

    private static Double seconds(String v, String option) {
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            System.err.println("figures: " + option + " needs a number of seconds, got '" + v + "'");
            System.exit(2);
            return null;
        }
    }

    private int run() throws Exception {
        Files.createDirectories(out);
        root.put("takenAt", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        root.put("mode", quick ? "quick" : "full");
        Machine machine = new Machine();
        Map<String, Object> facts = machine.facts();
        root.put("machine", facts);
        Map<String, Object> build = new LinkedHashMap<>();
        build.put("command", "mvn -B -q -DskipTests package -pl examples/rotation-demo -am");
        build.put("coldSeconds", coldBuildSeconds);
        build.put("warmSeconds", buildSeconds);
        root.put("build", build);

        step("first secret read (the quickstart's measure) next to a bare HTTP GET");
        root.put("firstRead", firstRead());
        step("file propagation next to the JDK WatchService alone");
        root.put("files", files(quick ? 50 : 200));
        step("JMH benchmarks" + (quick ? " (quick: 1 warm-up and 3 measured iterations of 1 s)" : ""));
        root.put("jmh", jmh());
        step("rotation demo" + (quick ? " (quick: 10 rotations per path, 4 s per path)" : ""));
        JsonNode demo = demo();
        root.put("demo", demo);
        machine.finished();
        facts.put("loadAverageAtEnd", machine.loadAtEnd());
        root.put("minutes", Math.round((System.nanoTime() - started) / 6e9) / 10.0);

        Path json = out.resolve("figures.json");
        JSON.writeValue(json.toFile(), root);
        String md = markdown();
        Files.writeString(out.resolve("figures.md"), md, StandardCharsets.UTF_8);
        System.out.println();
        System.out.print(md);
        System.out.println();
        System.out.println("figures: " + json.toAbsolutePath() + " and figures.md beside it");
        boolean demoOk = demo != null && demo.path("queriesFailed").asLong(-1) == 0;
        if (!demoOk) {
            System.err.println(
                    "figures: the rotation demo failed or failed queries; see " + out.resolve("rotation-demo.err"));
        }
        return demoOk ? 0 : 1;
    }

    private void step(String what) {
        System.err.printf(Locale.ROOT, "figures: [%4.0f s] %s%n", (System.nanoTime() - started) / 1e9, what);
    }

    // ---- the figures ----

    /**
     * The quickstart's measure (a new {@code ScaiVault} client to its first secret read, median of 20) next to
     * the floor: one GET of the same secret from the same server with a new OkHttp client (the client's own
     * transport), interleaved so both see the same load.
     */
    private Map<String, Object> firstRead() {
        String token = "skt_figures_" + Long.toHexString(System.nanoTime());
        try (ScaiVaultDevServer server =
                ScaiVaultDevServer.builder().staticToken(token, "idn_figures").start()) {
            server.putSecret(PATH, Map.of("username", "billing", "password", "p-" + System.nanoTime()));
            String url = server.baseUrl().toString().replaceAll("/$", "") + "/v1/secrets/" + PATH;
            for (int i = 0; i < 5; i++) {
                clientRead(server, token);
                bareRead(url, token);
            }
            long[] client = new long[FIRST_READS];
            long[] bare = new long[FIRST_READS];
            for (int i = 0; i < FIRST_READS; i++) {
                client[i] = clientRead(server, token);
                bare[i] = bareRead(url, token);
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("n", FIRST_READS);
            m.put("clientMsMedian", ms(quantile(client, 0.5)));
            m.put("clientMsMin", ms(quantile(client, 0)));
            m.put("clientMsMax", ms(quantile(client, 1)));
            m.put("bareGetMsMedian", ms(quantile(bare, 0.5)));
            m.put("bareGetMsMin", ms(quantile(bare, 0)));
            m.put("bareGetMsMax", ms(quantile(bare, 1)));
            return m;
        }
    }

    private static long clientRead(ScaiVaultDevServer server, String token) {
        long t0 = System.nanoTime();
        try (ScaiVault vault = ScaiVault.builder()
                .url(server.baseUrl())
                .auth(Auth.token(token))
                .build()) {
            vault.secrets().read(PATH);
            return System.nanoTime() - t0;
        }
    }

    private static long bareRead(String url, String token) {
        long t0 = System.nanoTime();
        OkHttpClient http = new OkHttpClient();
        try (Response r = http.newCall(new Request.Builder()
                        .url(url)
                        .header("Authorization", "Bearer " + token)
                        .build())
                .execute()) {
            if (r.code() != 200 || r.body() == null) {
                throw new IllegalStateException("the dev server answered " + r.code() + " to a bare GET");
            }
            r.body().string();
            return System.nanoTime() - t0;
        } catch (IOException e) {
            throw new IllegalStateException("bare GET failed: " + e.getClass().getName(), e);
        } finally {
            http.dispatcher().executorService().shutdown();
            http.connectionPool().evictAll();
        }
    }

    private static Map<String, Object> files(int updates) throws Exception {
        FilePropagation.Samples s = FilePropagation.measure(updates);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("updates", updates);
        m.put("watchService", percentiles(s.watchService()));
        m.put("kubeletVolume", percentiles(s.volume()));
        m.put("sidecarFile", percentiles(s.plainFile()));
        m.put("sidecarQuietPeriodMs", 200);
        return m;
    }

    private List<Map<String, Object>> jmh() throws RunnerException {
        ChainedOptionsBuilder b = new OptionsBuilder()
                .include(Pattern.quote(SecretCacheBenchmark.class.getName()) + "\\.")
                .include(Pattern.quote(TokenCacheBenchmark.class.getName()) + "\\.")
                .include(Pattern.quote(HikariBindingBenchmark.class.getName()) + "\\.")
                .resultFormat(ResultFormatType.JSON)
                .result(out.resolve("jmh.json").toString())
                .output(out.resolve("jmh.txt").toString())
                .shouldFailOnError(true);
        if (quick) {
            b.warmupIterations(1)
                    .warmupTime(TimeValue.seconds(1))
                    .measurementIterations(3)
                    .measurementTime(TimeValue.seconds(1));
        }
        Collection<RunResult> results = new Runner(b.build()).run();
        List<Map<String, Object>> list = new ArrayList<>();
        for (RunResult r : results) {
            Map<String, Object> m = new LinkedHashMap<>();
            String name = r.getParams().getBenchmark();
            m.put("benchmark", name.substring(name.lastIndexOf('.', name.lastIndexOf('.') - 1) + 1));
            for (String key : r.getParams().getParamsKeys()) {
                m.put(key, r.getParams().getParam(key));
            }
            m.put("score", round(r.getPrimaryResult().getScore()));
            double error = r.getPrimaryResult().getScoreError();
            m.put("error", Double.isNaN(error) ? null : round(error));
            m.put("unit", r.getPrimaryResult().getScoreUnit());
            list.add(m);
        }
        return list;
    }

    private JsonNode demo() throws IOException, InterruptedException {
        Path report = out.resolve("rotation-demo.json");
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                demoJar.toString(),
                "--report",
                report.toString()));
        if (quick) {
            cmd.addAll(List.of("--rotations", "10", "--duration", "4s"));
        }
        Process p = new ProcessBuilder(cmd)
                .redirectOutput(out.resolve("rotation-demo.txt").toFile())
                .redirectError(out.resolve("rotation-demo.err").toFile())
                .start();
        if (!p.waitFor(15, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            return null;
        }
        return Files.exists(report) ? JSON.readTree(report.toFile()) : null;
    }

    // ---- the table ----

    private String markdown() {
        StringBuilder md = new StringBuilder();
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) root.get("machine");
        md.append(String.format(
                Locale.ROOT,
                "Taken by `scripts/figures.sh%s` on %s (%s min): %s cores (%s), %s GiB, load average (1, 5, 15"
                        + " min) %s at the start and %s at the end, %s, %s. Each figure stands next to a baseline"
                        + " measured in the same run; compare the two, not the figure with another machine's.%s%n%n",
                quick ? " --quick" : "",
                root.get("takenAt"),
                root.get("minutes"),
                m.get("cores"),
                m.get("cpu"),
                m.get("memoryGiB"),
                m.get("loadAverageAtStart"),
                m.get("loadAverageAtEnd"),
                m.get("jdk"),
                m.get("os"),
                quick ? " Quick mode: JMH iterations of 1 s and 10 rotations per path, indicative only." : ""));
        md.append("| what | figure | baseline, same run | from |\n|---|---|---|---|\n");

        @SuppressWarnings("unchecked")
        Map<String, Object> fr = (Map<String, Object>) root.get("firstRead");
        row(
                md,
                "`ScaiVault` build to first secret read, dev server on loopback",
                String.format(
                        Locale.ROOT,
                        "median %.1f ms over %d (%.1f-%.1f)",
                        fr.get("clientMsMedian"),
                        FIRST_READS,
                        fr.get("clientMsMin"),
                        fr.get("clientMsMax")),
                String.format(
                        Locale.ROOT,
                        "one GET of the same secret with a new OkHttp client: median %.1f ms (%s×)",
                        fr.get("bareGetMsMedian"),
                        ratio(fr.get("clientMsMedian"), fr.get("bareGetMsMedian"))),
                "`examples/quickstart`'s measure");

        Map<String, Map<String, Object>> jmh = new LinkedHashMap<>();
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> runs = (List<Map<String, Object>>) root.get("jmh");
        for (Map<String, Object> r : runs) {
            Object pool = r.get("pool");
            jmh.put(r.get("benchmark") + (pool != null ? ":" + pool : ""), r);
        }
        row(
                md,
                "cached secret read (`vault.cache().get(path)`)",
                ns(jmh.get("SecretCacheBenchmark.cachedRead")),
                "a `ConcurrentHashMap.get` of the path: " + ns(jmh.get("SecretCacheBenchmark.baselineMapGet"))
                        + "; a clock read: " + ns(jmh.get("SecretCacheBenchmark.baselineClockRead")),
                "JMH `SecretCacheBenchmark`");
        row(
                md,
                "token-cache hit (every authenticated call)",
                ns(jmh.get("TokenCacheBenchmark.hit")),
                "a clock read (a hit checks the token's age): " + ns(jmh.get("TokenCacheBenchmark.baselineClockRead")),
                "JMH `TokenCacheBenchmark`");
        Map<String, Object> bound = jmh.get("HikariBindingBenchmark.getConnectionAndClose:bound");
        Map<String, Object> unbound = jmh.get("HikariBindingBenchmark.getConnectionAndClose:unbound");
        row(
                md,
                "`getConnection()` + `close()` on a bound pool",
                ns(bound),
                "the same pool unbound: " + ns(unbound) + " ("
                        + ratio(
                                bound == null ? null : bound.get("score"),
                                unbound == null ? null : unbound.get("score"))
                        + "×; the binding is not on the borrow path)",
                "JMH `HikariBindingBenchmark`");

        @SuppressWarnings("unchecked")
        Map<String, Object> files = (Map<String, Object>) root.get("files");
        row(
                md,
                "kubelet volume update (`rename(..data_tmp, ..data)`) to listener, " + files.get("updates")
                        + " updates",
                p50p99(files.get("kubeletVolume")),
                "the JDK `WatchService` alone (rename to the waiting thread): " + p50p99(files.get("watchService")),
                "`FilePropagation`");
        row(
                md,
                "sidecar rename-over to listener",
                p50p99(files.get("sidecarFile")),
                "the quiet period it waits by design: 200 ms",
                "`FilePropagation`");

        JsonNode demo = (JsonNode) root.get("demo");
        if (demo != null) {
            JsonNode opts = demo.path("options");
            row(
                    md,
                    String.format(
                            Locale.ROOT,
                            "rotation demo: %d paths x %d rotations, %d threads, pool of %d",
                            demo.path("paths").size(),
                            opts.path("rotations").asInt(),
                            opts.path("threads").asInt(),
                            opts.path("poolSize").asInt()),
                    String.format(
                            Locale.ROOT,
                            "%,d failed of %,d queries; %.0f s",
                            demo.path("queriesFailed").asLong(),
                            demo.path("queriesOk").asLong()
                                    + demo.path("queriesFailed").asLong(),
                            demo.path("wallSeconds").asDouble()),
                    "propagation and drain per path: below",
                    "`examples/rotation-demo`");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> build = (Map<String, Object>) root.get("build");
        if (build.get("coldSeconds") != null || build.get("warmSeconds") != null) {
            List<String> parts = new ArrayList<>();
            if (build.get("coldSeconds") != null) {
                parts.add(
                        String.format(Locale.ROOT, "%.0f s from an empty local repository", build.get("coldSeconds")));
            }
            if (build.get("warmSeconds") != null) {
                parts.add(
                        String.format(Locale.ROOT, "%.0f s with a filled local repository", build.get("warmSeconds")));
            }
            row(
                    md,
                    "the demo's build (`" + build.get("command") + "`)",
                    String.join("; ", parts),
                    "",
                    "`scripts/figures.sh`");
        }

        if (demo != null) {
            md.append(String.format(
                    Locale.ROOT,
                    "%nRotation demo, ms, p50 / p99 per path (%d rotations give a p99 that is their maximum; the"
                            + " baselines have a sample every 50-150 ms). Propagation = a bare login with valid"
                            + " credentials, timed in the same run + the excess; drain = the borrowers' hold of the"
                            + " connections evicted + the excess (see docs/demo.md):%n%n",
                    demo.path("options").path("rotations").asInt()));
            md.append(
                    "| path | propagation | bare login | excess | drain | borrowers' hold | excess | bridged logins |\n");
            md.append("|---|---|---|---|---|---|---|---|\n");
            for (JsonNode p : demo.path("paths")) {
                md.append(String.format(
                        Locale.ROOT,
                        "| %s | %s | %s | %s | %s | %s | %s | %d |%n",
                        p.path("name").asText(),
                        pair(p, "propagationMs"),
                        pair(p, "connectMs"),
                        pair(p, "propagationExcessMs"),
                        pair(p, "drainMs"),
                        pair(p, "holdMs"),
                        pair(p, "drainExcessMs"),
                        p.path("bridged").asInt()));
            }
        }
        return md.toString();
    }

    private static void row(StringBuilder md, String what, String figure, String baseline, String from) {
        md.append("| ")
                .append(what)
                .append(" | ")
                .append(figure)
                .append(" | ")
                .append(baseline)
                .append(" | ")
                .append(from)
                .append(" |\n");
    }

    private static String pair(JsonNode p, String prefix) {
        JsonNode a = p.path(prefix + "P50");
        JsonNode b = p.path(prefix + "P99");
        return (a.isNumber() ? String.format(Locale.ROOT, "%.1f", a.asDouble()) : "-") + " / "
                + (b.isNumber() ? String.format(Locale.ROOT, "%.1f", b.asDouble()) : "-");
    }

    private static String ns(Map<String, Object> r) {
        if (r == null) {
            return "-";
        }
        Object error = r.get("error");
        return fmt(r.get("score")) + (error != null ? " ± " + fmt(error) : "") + " ns";
    }

    @SuppressWarnings("unchecked")
    private static String p50p99(Object percentiles) {
        Map<String, Object> p = (Map<String, Object>) percentiles;
        return "p50 " + p.get("p50Ms") + " ms, p99 " + p.get("p99Ms") + " ms";
    }

    private static String ratio(Object a, Object b) {
        if (!(a instanceof Number x) || !(b instanceof Number y) || y.doubleValue() == 0) {
            return "-";
        }
        return String.format(Locale.ROOT, "%.2f", x.doubleValue() / y.doubleValue());
    }

    private static String fmt(Object v) {
        if (!(v instanceof Number n)) {
            return "-";
        }
        double d = n.doubleValue();
        return d >= 100 ? String.format(Locale.ROOT, "%.0f", d) : String.format(Locale.ROOT, "%.1f", d);
    }

    // ---- helpers ----

    private static Map<String, Object> percentiles(long[] nanos) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("n", nanos.length);
        m.put("p50Ms", ms(quantile(nanos, 0.5)));
        m.put("p90Ms", ms(quantile(nanos, 0.9)));
        m.put("p99Ms", ms(quantile(nanos, 0.99)));
        m.put("maxMs", ms(quantile(nanos, 1)));
        return m;
    }

    /** Nearest rank; {@code q} 0 is the minimum. */
    private static long quantile(long[] values, double q) {
        long[] s = values.clone();
        Arrays.sort(s);
        return q <= 0 ? s[0] : FilePropagation.pct(s, q * 100);
    }

    private static double ms(long nanos) {
        return Math.round(nanos / 1e4) / 100.0;
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }
}
