package dev.scaivault.spring;

import dev.scaivault.ScaiVault;
import dev.scaivault.source.SecretSource;
import dev.scaivault.source.SourceStatus;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;

/**
 * The {@code scaivault} health component's rules, the same on every Boot line (each line's {@code
 * ScaiVaultHealthIndicator} hands the report to its own health API): DOWN as soon as a credential source has no valid value or its lease has expired
 * (a stale but still valid value stays UP, listed under {@code staleSources}). A source serving its
 * break-glass fallback stays UP too (the operator opted in to serve on it) and is listed under {@code
 * servingFallback}, with {@code fallback: true} in its own details. Details: every source's state and
 * remaining validity, the bearer token's age, the last rotation. Only names, times and error messages that
 * never carry a secret.
 */
final class ScaiVaultHealth {
    private final ObjectProvider<ScaiVault> clients;
    private final ObjectProvider<SecretSource<?>> sources;
    private final ScaiVaultMonitor monitor;
    private final Clock clock;

    ScaiVaultHealth(
            ObjectProvider<ScaiVault> clients,
            ObjectProvider<SecretSource<?>> sources,
            ScaiVaultMonitor monitor,
            Clock clock) {
        this.clients = clients;
        this.sources = sources;
        this.monitor = monitor;
        this.clock = clock;
    }

    /** UP or DOWN, and the details in the order they are shown. */
    record Report(boolean up, Map<String, Object> details) {}

    Report check() {
        Map<String, Object> report = new LinkedHashMap<>();
        Instant now = clock.instant();
        boolean down = false;
        List<String> stale = new ArrayList<>();
        List<String> unusable = new ArrayList<>();
        List<String> onFallback = new ArrayList<>();
        Map<String, Object> details = new LinkedHashMap<>();
        Duration leaseRemaining = null;
        for (SecretSource<?> s : sources.orderedStream().toList()) {
            SourceStatus st = s.status();
            Map<String, Object> d = new LinkedHashMap<>();
            boolean usable = st.usableAt(now);
            d.put("valid", usable);
            d.put("hasValue", st.hasValue());
            st.lastSuccess().ifPresent(t -> d.put("lastSuccess", t.toString()));
            st.lastError().ifPresent(e -> d.put("lastError", e));
            st.lastErrorAt().ifPresent(t -> d.put("lastErrorAt", t.toString()));
            if (st.validUntil().isPresent()) {
                Instant until = st.validUntil().get();
                Duration remaining = Duration.between(now, until);
                d.put("validUntil", until.toString());
                d.put("remainingMs", Math.max(0, remaining.toMillis()));
                if (leaseRemaining == null || remaining.compareTo(leaseRemaining) < 0) {
                    leaseRemaining = remaining;
                }
            }
            if (!usable) {
                down = true;
                unusable.add(st.name());
            }
            if (st.stale()) {
                stale.add(st.name());
            }
            if (st.servingFallback()) {
                d.put("fallback", true);
                onFallback.add(st.name());
            }
            details.put(st.name(), d);
        }
        report.put("sources", details);
        if (leaseRemaining != null) {
            report.put("leaseRemainingMs", Math.max(0, leaseRemaining.toMillis()));
        }
        report.put("staleSources", stale);
        if (!onFallback.isEmpty()) {
            report.put("servingFallback", onFallback);
        }
        if (!unusable.isEmpty()) {
            report.put("noValidCredentials", unusable);
        }
        clients.orderedStream().findFirst().ifPresent(v -> {
            v.tokenIssuedAt()
                    .ifPresent(t ->
                            report.put("tokenAgeMs", Duration.between(t, now).toMillis()));
            report.put("tokenRefreshes", v.tokenRefreshes());
        });
        Instant last = monitor.lastRotation();
        if (last != null) {
            report.put("lastRotation", last.toString());
        }
        report.put("rotations", monitor.sourceRotations.get());
        if (monitor.firstCredentialsTime() != null) {
            report.put("firstCredentialsMs", monitor.firstCredentialsTime().toMillis());
        }
        return new Report(!down, report);
    }
}
