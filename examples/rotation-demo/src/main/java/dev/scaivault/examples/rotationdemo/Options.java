package dev.scaivault.examples.rotationdemo;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The demo's command line. */
record Options(
        Duration duration,
        int threads,
        int rotations,
        List<String> paths,
        Path report,
        Duration leaseTtl,
        String pool) {
    static final List<String> ALL_PATHS = List.of("kubelet", "csi", "sidecar", "dynamic");
    static final List<String> POOLS = List.of("hikari", "tomcat", "dbcp2", "ucp", "plain");
    static final String USAGE = String.join(
            System.lineSeparator(),
            "usage: java -jar rotation-demo.jar [options]",
            "  --duration D     minimum time per path, rotations spread over it (default 10s; e.g. 500ms, 20s, 1m)",
            "  --rotations N    credential changes per path (default 20, at least 1)",
            "  --threads N      query threads (default 8)",
            "  --paths LIST     delivery paths in order (default kubelet,csi,sidecar,dynamic)",
            "  --report FILE    JSON report (default target/rotation-demo-report.json)",
            "  --lease-ttl D    TTL (and max TTL) of the dynamic path's leases (default 2500ms)",
            "  --pool P         hikari, tomcat, dbcp2, ucp or plain (a driver DataSource, no pool) (default hikari)");

    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m)?");

    static Options parse(String... args) {
        Duration duration = Duration.ofSeconds(10);
        int threads = 8;
        int rotations = 20;
        List<String> paths = ALL_PATHS;
        Path report = Path.of("target", "rotation-demo-report.json");
        Duration leaseTtl = Duration.ofMillis(2500);
        String pool = "hikari";
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help") || a.equals("-h")) {
                throw new IllegalArgumentException("help");
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("option " + a + " needs a value");
            }
            String v = args[++i];
            switch (a) {
                case "--duration" -> duration = duration(a, v);
                case "--threads" -> threads = positive(a, v);
                case "--rotations" -> rotations = positive(a, v);
                case "--paths" -> paths = paths(v);
                case "--report" -> report = Path.of(v);
                case "--lease-ttl" -> leaseTtl = duration(a, v);
                case "--pool" -> pool = pool(v);
                default -> throw new IllegalArgumentException("unknown option " + a);
            }
        }
        if (leaseTtl.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("--lease-ttl must be at least 1s (the dev server counts in"
                    + " milliseconds, the pool needs time to drain), got " + leaseTtl.toMillis() + "ms");
        }
        return new Options(duration, threads, rotations, paths, report, leaseTtl, pool);
    }

    private static Duration duration(String option, String v) {
        Matcher m = DURATION.matcher(v.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException(option + " needs a duration such as 500ms, 20s or 1m, got '" + v + "'");
        }
        double n = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        double millis =
                switch (unit) {
                    case "ms" -> n;
                    case "m" -> n * 60_000;
                    default -> n * 1000;
                };
        return Duration.ofMillis(Math.round(millis));
    }

    private static int positive(String option, String v) {
        try {
            int n = Integer.parseInt(v.trim());
            if (n < 1) {
                throw new IllegalArgumentException(option + " must be at least 1, got " + n);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " needs a whole number, got '" + v + "'");
        }
    }

    private static String pool(String v) {
        String name = v.trim().toLowerCase(Locale.ROOT);
        if (!POOLS.contains(name)) {
            throw new IllegalArgumentException(
                    "--pool: unknown pool '" + v.trim() + "' (known: " + String.join(",", POOLS) + ")");
        }
        return name;
    }

    private static List<String> paths(String v) {
        List<String> out = new ArrayList<>();
        for (String p : v.split(",")) {
            String name = p.trim().toLowerCase(Locale.ROOT);
            if (!ALL_PATHS.contains(name)) {
                throw new IllegalArgumentException(
                        "--paths: unknown path '" + p.trim() + "' (known: " + String.join(",", ALL_PATHS) + ")");
            }
            if (out.contains(name)) {
                throw new IllegalArgumentException("--paths: path '" + name + "' given twice");
            }
            out.add(name);
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("--paths needs at least one path");
        }
        return List.copyOf(out);
    }
}
