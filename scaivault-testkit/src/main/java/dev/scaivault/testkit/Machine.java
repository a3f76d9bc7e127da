package dev.scaivault.testkit;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a measurement ran on: cores, CPU model, memory, JDK, OS, and the load average when it started and when
 * it ended. A latency means little without them, and less on a machine busy with other work; every report of
 * ours (the rotation demo, the figures, the peer comparison) records them the same way.
 */
public final class Machine {
    private final Instant startedAt = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    private final String loadAtStart = loadAverage();
    private volatile String loadAtEnd;

    /** Notes the start (time and load average) now. */
    public Machine() {}

    /** Notes the load average at the end of the measurement. */
    public void finished() {
        loadAtEnd = loadAverage();
    }

    /** When this measurement started (to the second). */
    public Instant startedAt() {
        return startedAt;
    }

    /** The load average at the start, as {@link #loadAverage()} words it. */
    public String loadAtStart() {
        return loadAtStart;
    }

    /** The load average at {@link #finished()}, or {@code null} before. */
    public String loadAtEnd() {
        return loadAtEnd;
    }

    /**
     * The facts in report order, for a JSON report: {@code startedAt}, {@code cores}, {@code cpu}, {@code
     * memoryGiB}, {@code loadAverageAtStart}, {@code loadAverageAtEnd}, {@code jdk}, {@code os}. A mutable map:
     * a report adds the versions of what it measured.
     */
    public Map<String, Object> facts() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("startedAt", startedAt.toString());
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("cpu", cpuModel());
        m.put("memoryGiB", memoryGiB());
        m.put("loadAverageAtStart", loadAtStart);
        m.put("loadAverageAtEnd", loadAtEnd);
        m.put("jdk", jdk() + " (" + System.getProperty("java.vendor") + ")");
        m.put(
                "os",
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                        + System.getProperty("os.arch"));
        return m;
    }

    /** The JVM's name and runtime version. */
    public static String jdk() {
        return System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version");
    }

    /** The 1, 5 and 15 minute load averages (Linux), else the JVM's 1 minute figure, else {@code unknown}. */
    public static String loadAverage() {
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

    private static Double memoryGiB() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return Math.round(os.getTotalMemorySize() / (1024.0 * 1024 * 1024) * 10) / 10.0;
        }
        return null;
    }
}
