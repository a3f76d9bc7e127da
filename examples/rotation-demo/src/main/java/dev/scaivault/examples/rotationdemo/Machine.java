package dev.scaivault.examples.rotationdemo;

import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/** What the figures were taken on: they mean little without it. */
final class Machine {
    private final Instant startedAt = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    private final String loadAtStart = loadAverage();
    private volatile String loadAtEnd;
    private volatile String postgres = "unknown";

    void postgres(String version) {
        this.postgres = version;
    }

    void finished() {
        loadAtEnd = loadAverage();
    }

    Map<String, Object> facts() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("startedAt", startedAt.toString());
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("cpu", cpuModel());
        m.put("memoryGiB", memoryGiB());
        m.put("loadAverageAtStart", loadAtStart);
        m.put("loadAverageAtEnd", loadAtEnd);
        m.put(
                "jdk",
                System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version") + " ("
                        + System.getProperty("java.vendor") + ")");
        m.put(
                "os",
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                        + System.getProperty("os.arch"));
        m.put("hikaricp", hikariVersion());
        m.put("postgresql", postgres);
        return m;
    }

    String oneLine() {
        return String.format(
                Locale.ROOT,
                "%s: %d cores, load average %s at start, %s at end; %s; %s; HikariCP %s; PostgreSQL %s",
                startedAt,
                Runtime.getRuntime().availableProcessors(),
                loadAtStart,
                loadAtEnd,
                System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"),
                System.getProperty("os.name") + " " + System.getProperty("os.arch"),
                hikariVersion(),
                postgres);
    }

    /** The 1, 5 and 15 minute load averages (Linux), else the JVM's 1 minute figure. */
    static String loadAverage() {
        try {
            List<String> f =
                    List.of(Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+"));
            return String.join(" ", f.subList(0, 3));
        } catch (IOException | RuntimeException e) {
            double l = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
            return l < 0 ? "unknown" : String.format(Locale.ROOT, "%.2f", l);
        }
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            // Not Linux: the architecture is all we know.
        }
        return System.getProperty("os.arch");
    }

    private static Object memoryGiB() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return Math.round(os.getTotalMemorySize() / (1024.0 * 1024 * 1024) * 10) / 10.0;
        }
        return null;
    }

    private static String hikariVersion() {
        try (InputStream in =
                HikariDataSource.class.getResourceAsStream("/META-INF/maven/com.zaxxer/HikariCP/pom.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                return p.getProperty("version", "unknown");
            }
        } catch (IOException e) {
            // Fall through.
        }
        String v = HikariDataSource.class.getPackage().getImplementationVersion();
        return v != null ? v : "unknown";
    }
}
