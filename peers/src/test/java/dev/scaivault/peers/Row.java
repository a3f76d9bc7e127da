package dev.scaivault.peers;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** One approach's figures from one run. */
record Row(
        String approach,
        String kind,
        int rotations,
        long queriesOk,
        long queriesFailed,
        Map<String, Long> failures,
        double steadyP50Ms,
        double steadyP99Ms,
        double steadyMaxMs,
        double windowP50Ms,
        double windowP99Ms,
        double windowMaxMs,
        double clearMedianMs,
        double clearMaxMs,
        int rotationsNotCleared,
        int oldAtInvalidation,
        double requestsPerHour,
        long requests,
        double seconds,
        int threadsAdded,
        List<String> notes) {

    Map<String, Object> json() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("approach", approach);
        m.put("kind", kind);
        m.put("rotations", rotations);
        m.put("queriesOk", queriesOk);
        m.put("queriesFailed", queriesFailed);
        m.put("failures", failures);
        m.put("getConnectionSteadyMs", Map.of("p50", steadyP50Ms, "p99", steadyP99Ms, "max", steadyMaxMs));
        m.put("getConnectionRotationWindowMs", Map.of("p50", windowP50Ms, "p99", windowP99Ms, "max", windowMaxMs));
        m.put("rotationToNoOldConnectionMs", Map.of("median", clearMedianMs, "max", clearMaxMs));
        m.put("rotationsNotClearedByTheEnd", rotationsNotCleared);
        m.put("connectionsOnOldCredentialsAtInvalidation", oldAtInvalidation);
        m.put("secretsServerRequests", requests);
        m.put("secretsServerRequestsPerHour", Math.round(requestsPerHour));
        m.put("seconds", seconds);
        m.put("threadsAdded", threadsAdded);
        m.put("notes", notes);
        return m;
    }
}
