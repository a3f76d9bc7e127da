package dev.scaivault.simulations;

import dev.scaivault.testkit.RecordedRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** What the fleet did, computed from the dev server's request log (simulated time). */
final class Report {
    /** See docs/fleet.md: the jitter spreads a cohort of leases issued together over D/30 seconds. */
    static final double MAX_SHARE_OF_RENEWALS_IN_ONE_SECOND = 0.02;

    final Instant t0;
    final FastTime time;
    final int requests;
    final Map<String, int[]> byKind = new TreeMap<>(); // kind -> {requests, 429s}
    final Map<String, Integer> generatedPerPod = new HashMap<>();
    final TreeMap<Long, int[]> perSecond = new TreeMap<>(); // second -> {requests, 429s, renew attempts, renewed}
    final Map<Long, Integer> perRealSecond = new HashMap<>();
    final List<String> retriesSoonerThanRetryAfter = new ArrayList<>();
    int renewals;
    private int extraLeases;
    private final Map<String, List<RecordedRequest>> podGenerates = new HashMap<>();
    int renewalAttempts;
    int maxRenewalsInOneSecond;
    int maxRequestsInOneSecond;
    long busiestSecond;
    int maxRequestsInOneRealSecond;
    Duration shortestWaitAfter429 = null;
    final int pods;

    /**
     * @param timedOut pods that had a call fail on the client (a timeout): the server may have answered that
     *     call with a 429 the client never saw, so the server-side Retry-After check skips them
     */
    Report(
            List<RecordedRequest> log,
            Instant t0,
            FastTime time,
            Collection<?> runningPods,
            java.util.Set<String> timedOut) {
        this.t0 = t0;
        this.time = time;
        this.requests = log.size();
        this.pods = runningPods.size();
        Map<String, List<RecordedRequest>> perKey = new HashMap<>();
        for (RecordedRequest r : log) {
            String kind = kind(r);
            int[] k = byKind.computeIfAbsent(kind, x -> new int[2]);
            k[0]++;
            long nanos = Duration.between(t0, r.at()).toNanos();
            long second = Math.floorDiv(nanos, 1_000_000_000L);
            int[] s = perSecond.computeIfAbsent(second, x -> new int[4]);
            s[0]++;
            perRealSecond.merge((long) (nanos / (1e9 * time.factor())), 1, Integer::sum);
            if (r.status() == 429) {
                k[1]++;
                s[1]++;
            }
            if (kind.equals("renew")) {
                s[2]++;
                renewalAttempts++;
                if (r.status() == 200) {
                    s[3]++;
                    renewals++;
                }
            }
            String pod = r.header("X-Tenant-ID");
            if (kind.equals("generate")) {
                podGenerates.computeIfAbsent(pod, x -> new ArrayList<>()).add(r);
            }
            if (kind.equals("generate") && r.status() / 100 == 2) {
                generatedPerPod.merge(pod, 1, Integer::sum);
            }
            perKey.computeIfAbsent(pod + ' ' + r.method() + ' ' + r.path(), x -> new ArrayList<>())
                    .add(r);
        }
        for (int[] s : perSecond.values()) {
            if (s[0] > maxRequestsInOneSecond) {
                maxRequestsInOneSecond = s[0];
            }
            maxRenewalsInOneSecond = Math.max(maxRenewalsInOneSecond, s[2]);
        }
        perSecond.forEach((sec, s) -> {
            if (s[0] == maxRequestsInOneSecond) {
                busiestSecond = sec;
            }
        });
        maxRequestsInOneRealSecond =
                perRealSecond.values().stream().mapToInt(i -> i).max().orElse(0);
        // The same request (same pod, method and path) sent again after a 429: how long did the pod wait?
        for (var e : perKey.entrySet()) {
            if (timedOut.contains(e.getKey().substring(0, e.getKey().indexOf(' ')))) {
                continue;
            }
            List<RecordedRequest> rs = e.getValue();
            rs.sort(Comparator.comparing(RecordedRequest::at));
            for (int i = 0; i + 1 < rs.size(); i++) {
                if (rs.get(i).status() != 429) {
                    continue;
                }
                Duration wait = Duration.between(rs.get(i).at(), rs.get(i + 1).at());
                if (shortestWaitAfter429 == null || wait.compareTo(shortestWaitAfter429) < 0) {
                    shortestWaitAfter429 = wait;
                }
                if (wait.compareTo(Duration.ofSeconds(1)) < 0) {
                    retriesSoonerThanRetryAfter.add(e.getKey() + " retried " + wait + " after a 429: "
                            + describe(rs.subList(Math.max(0, i - 2), Math.min(rs.size(), i + 3))));
                }
            }
        }
    }

    private String describe(List<RecordedRequest> rs) {
        StringBuilder b = new StringBuilder();
        for (RecordedRequest r : rs) {
            b.append(String.format(
                    "[%.3f s %d %s] ", Duration.between(t0, r.at()).toNanos() / 1e9, r.status(), r.requestId()));
        }
        return b.toString();
    }

    /** The busiest second may hold at most 2% of all renewal attempts (at least 1). */
    int renewalBound() {
        return Math.max(1, (int) Math.floor(renewalAttempts * MAX_SHARE_OF_RENEWALS_IN_ONE_SECOND));
    }

    static String kind(RecordedRequest r) {
        String p = r.path();
        if (p.startsWith("/v1/dynamic/engines/")) {
            return "generate";
        }
        if (p.endsWith("/renew")) {
            return "renew";
        }
        if (p.endsWith("/revoke")) {
            return "revoke";
        }
        if (p.startsWith("/v1/dynamic/leases/")) {
            return "lookup";
        }
        return "other " + r.method() + ' ' + p;
    }

    void print(
            Duration allHeld,
            Duration restartTook,
            Duration real,
            List<Duration> retryAfters,
            FleetSimulationIT.ThreadCensus census) {
        StringBuilder b = new StringBuilder("\n=== Fleet simulation ===\n");
        b.append(String.format(
                "%d pods, one identity, time x%.0f (1 simulated minute = %.1f real s), run %s simulated, %s real%n",
                pods,
                time.factor(),
                60 / time.factor(),
                Duration.between(t0, time.now()).toSeconds() + " s",
                real.toSeconds() + " s"));
        b.append(String.format("all %d pods held credentials after %d s (simulated)%n", pods, allHeld.toSeconds()));
        b.append(String.format("rolling restart of half the fleet took %d s (simulated)%n", restartTook.toSeconds()));
        b.append(String.format("requests: %d; by kind (requests / 429s):%n", requests));
        byKind.forEach((k, v) -> b.append(String.format("  %-10s %7d / %7d%n", k, v[0], v[1])));
        int all429 = byKind.values().stream().mapToInt(v -> v[1]).sum();
        b.append(String.format(
                "429s received: %d; Retry-After seen: %s; shortest wait before the same request: %s%n",
                all429, retryAfters.stream().distinct().toList(), shortestWaitAfter429));
        b.append(String.format(
                "largest burst: %d requests in one simulated second (second %d), %d in one real second%n",
                maxRequestsInOneSecond, busiestSecond, maxRequestsInOneRealSecond));
        b.append(String.format(
                "renewals: %d succeeded of %d attempts; busiest second holds %d attempts (bound %d)%n",
                renewals, renewalAttempts, maxRenewalsInOneSecond, renewalBound()));
        int[] gen = generatedPerPod.values().stream().mapToInt(i -> i).sorted().toArray();
        b.append(String.format("leases generated per pod: min %d, max %d%n", gen[0], gen[gen.length - 1]));
        b.append(
                "per simulated minute: requests, 429s, renew attempts, renewals/s (mean, busiest second), bar = renewals/s\n");
        TreeMap<Long, int[]> perMinute = new TreeMap<>();
        TreeMap<Long, Integer> peak = new TreeMap<>();
        perSecond.forEach((sec, s) -> {
            int[] m = perMinute.computeIfAbsent(sec / 60, x -> new int[4]);
            for (int i = 0; i < 4; i++) {
                m[i] += s[i];
            }
            peak.merge(sec / 60, s[2], Math::max);
        });
        perMinute.forEach((min, m) -> b.append(String.format(
                "  min %3d  %6d req  %6d x429  %5d renew  %5.2f/s  max %3d/s  %s%n",
                min, m[0], m[1], m[2], m[3] / 60.0, peak.get(min), "#".repeat(Math.min(60, (int)
                                Math.round(m[3] / 6.0))))));
        b.append(
                "threads, peak per name prefix (client side: scaivault-* and OkHttp; server side: scaivault-devserver-*):\n");
        retriesSoonerThanRetryAfter.stream()
                .limit(5)
                .forEach(v -> b.append("early retry: ").append(v).append('\n'));
        generatedPerPod.forEach((pod, n) -> {
            if (n > 1 && extraLeases++ < 5) {
                b.append("pod with ").append(n).append(" leases: ").append(pod).append(' ');
                b.append(describe(podGenerates.get(pod))).append('\n');
            }
        });
        census.peaks().forEach((k, v) -> b.append(String.format("  %-36s %5d  (at %d s)%n", k, v, census.peakAt(k))));
        b.append(String.format(
                "peak client threads at one time: %d (%d samples)%n", census.peakClientThreads(), census.samples()));
        System.out.println(b);
    }
}
