package dev.scaivault.peers;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The markdown table of one run, made from its JSON report only (so the table beside a report can always be
 * made again from it: {@code Table <report.json>} rewrites the {@code .md} next to it).
 */
final class Table {
    private Table() {}

    @SuppressWarnings("unchecked")
    static String of(Map<String, Object> report) {
        Map<String, Object> machine = (Map<String, Object>) report.get("machine");
        Map<String, Object> load = (Map<String, Object>) report.get("load");
        List<Map<String, Object>> rows = (List<Map<String, Object>>) report.get("approaches");
        StringBuilder b = new StringBuilder();
        b.append("Run `")
                .append(report.get("label"))
                .append("`: started ")
                .append(machine.get("startedAt"))
                .append(", ")
                .append(machine.get("cores"))
                .append(" cores (")
                .append(machine.get("cpu"))
                .append("), load average ")
                .append(machine.get("loadAverageAtStart"))
                .append(" at the start and ")
                .append(machine.get("loadAverageAtEnd"))
                .append(" at the end; ")
                .append(machine.get("jdk"))
                .append(". ")
                .append(load.get("queryThreads"))
                .append(" query threads, pool of ")
                .append(load.get("poolSize"))
                .append(", ")
                .append(load.get("rotationsPerApproach"))
                .append(" rotations per approach; leases of ")
                .append(load.get("leaseTtlSeconds"))
                .append(" s, a static rotation every ")
                .append(load.get("staticRotationIntervalSeconds"))
                .append(" s. (×n) = the figure divided by ScaiVault's of the same kind.\n\n");
        b.append("| Approach | Kind | Queries ok / failed | getConnection p50 / p99 / max, steady (ms)"
                + " | getConnection p50 / p99 / max, rotation windows (ms) | Rotation → no old connection,"
                + " median / max (ms) | Old-credential connections at invalidation | Requests/h to the secrets"
                + " server | Threads added |\n");
        b.append("|---|---|---|---|---|---|---|---|---|\n");
        for (Map<String, Object> r : rows) {
            Map<String, Object> ours = rows.stream()
                    .filter(o -> o.get("kind").equals(r.get("kind"))
                            && String.valueOf(o.get("approach")).startsWith("ScaiVault"))
                    .findFirst()
                    .orElse(r);
            boolean isOurs = ours == r;
            Map<String, Object> steady = (Map<String, Object>) r.get("getConnectionSteadyMs");
            Map<String, Object> window = (Map<String, Object>) r.get("getConnectionRotationWindowMs");
            Map<String, Object> oursWindow = (Map<String, Object>) ours.get("getConnectionRotationWindowMs");
            Map<String, Object> clear = (Map<String, Object>) r.get("rotationToNoOldConnectionMs");
            Map<String, Object> oursClear = (Map<String, Object>) ours.get("rotationToNoOldConnectionMs");
            int notCleared = ((Number) r.get("rotationsNotClearedByTheEnd")).intValue();
            b.append("| ")
                    .append(r.get("approach"))
                    .append(" | ")
                    .append(r.get("kind"))
                    .append(" | ")
                    .append(r.get("queriesOk"))
                    .append(" / ")
                    .append(r.get("queriesFailed"))
                    .append(" | ")
                    .append(ms(steady.get("p50")))
                    .append(" / ")
                    .append(ms(steady.get("p99")))
                    .append(" / ")
                    .append(ms(steady.get("max")))
                    .append(" | ")
                    .append(ms(window.get("p50")))
                    .append(" / ")
                    .append(ms(window.get("p99")))
                    .append(isOurs ? "" : ratio(window.get("p99"), oursWindow.get("p99")))
                    .append(" / ")
                    .append(ms(window.get("max")))
                    .append(" | ")
                    .append(ms(clear.get("median")))
                    .append(isOurs ? "" : ratio(clear.get("median"), oursClear.get("median")))
                    .append(" / ")
                    .append(ms(clear.get("max")))
                    .append(notCleared > 0 ? "; " + notCleared + " never cleared" : "")
                    .append(" | ")
                    .append(r.get("connectionsOnOldCredentialsAtInvalidation"))
                    .append(" | ")
                    .append(r.get("secretsServerRequestsPerHour"))
                    .append(
                            isOurs
                                    ? ""
                                    : ratio(
                                            r.get("secretsServerRequestsPerHour"),
                                            ours.get("secretsServerRequestsPerHour")))
                    .append(" | ")
                    .append(r.get("threadsAdded"))
                    .append(isOurs ? "" : ratio(r.get("threadsAdded"), ours.get("threadsAdded")))
                    .append(" |\n");
        }
        return b.toString();
    }

    private static double d(Object o) {
        return o instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    static String ms(Object o) {
        double v = d(o);
        if (Double.isNaN(v)) {
            return "–";
        }
        if (v >= 100) {
            return String.valueOf(Math.round(v));
        }
        if (v >= 1) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, v >= 0.01 ? "%.3f" : "%.4f", v);
    }

    private static String ratio(Object value, Object ours) {
        double v = d(value);
        double o = d(ours);
        if (Double.isNaN(v) || Double.isNaN(o) || o == 0) {
            return "";
        }
        double r = v / o;
        return String.format(Locale.ROOT, r >= 10 ? " (×%.0f)" : r >= 0.1 ? " (×%.1f)" : " (×%.3f)", r);
    }

    /** {@code Table docs/peers/quiet.json}: rewrites docs/peers/quiet.md from the report. */
    @SuppressWarnings("unchecked")
    public static void main(String[] args) throws Exception {
        Path json = Path.of(args[0]);
        Map<String, Object> report = new ObjectMapper().readValue(json.toFile(), Map.class);
        Files.writeString(json.resolveSibling(json.getFileName().toString().replace(".json", ".md")), of(report));
    }
}
