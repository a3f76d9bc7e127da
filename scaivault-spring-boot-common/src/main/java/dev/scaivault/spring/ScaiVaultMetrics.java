package dev.scaivault.spring;

import dev.scaivault.ScaiVault;
import dev.scaivault.source.SecretSource;
import dev.scaivault.source.SourceStatus;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.beans.factory.ObjectProvider;

/** {@code scaivault.*} meters: requests, tokens, leases, rotations, drain time, stale sources. */
final class ScaiVaultMetrics implements MeterBinder {
    private static final String[] OUTCOMES = {"success", "client_error", "rate_limited", "server_error", "io_error"};

    private final ObjectProvider<ScaiVault> clients;
    private final ObjectProvider<SecretSource<?>> sources;
    private final ScaiVaultMonitor monitor;
    private final Clock clock;

    ScaiVaultMetrics(
            ObjectProvider<ScaiVault> clients,
            ObjectProvider<SecretSource<?>> sources,
            ScaiVaultMonitor monitor,
            Clock clock) {
        this.clients = clients;
        this.sources = sources;
        this.monitor = monitor;
        this.clock = clock;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        ScaiVault vault = clients.getIfUnique();
        if (vault != null) {
            for (String outcome : OUTCOMES) {
                FunctionCounter.builder("scaivault.requests", vault, v -> v.requestCounts()
                                .getOrDefault(outcome, 0L))
                        .tag("outcome", outcome)
                        .description("HTTP exchanges with ScaiVault, each retry counted")
                        .register(registry);
            }
            FunctionCounter.builder("scaivault.token.refreshes", vault, ScaiVault::tokenRefreshes)
                    .description("Bearer tokens obtained")
                    .register(registry);
            Gauge.builder("scaivault.token.age", vault, v -> v.tokenIssuedAt()
                            .map(t -> Duration.between(t, clock.instant()).toMillis() / 1000.0)
                            .orElse(Double.NaN))
                    .baseUnit("seconds")
                    .description("Age of the bearer token in use")
                    .register(registry);
        }
        counter(registry, "scaivault.lease.created", monitor.leasesCreated, "Leases generated");
        counter(registry, "scaivault.lease.renewals", monitor.leaseRenewals, "Lease renewals that succeeded");
        counter(
                registry,
                "scaivault.lease.renewal.failures",
                monitor.leaseRenewalFailures,
                "Lease renewals that failed");
        counter(registry, "scaivault.lease.revocations", monitor.leaseRevocations, "Leases revoked");
        counter(registry, "scaivault.lease.expirations", monitor.leaseExpirations, "Leases that expired in force");
        counter(registry, "scaivault.lease.errors", monitor.leaseErrors, "Failed attempts to generate a lease");
        counter(
                registry,
                "scaivault.rotations",
                monitor.sourceRotations,
                "Credential changes of the credential source");
        counter(registry, "scaivault.pool.rotations", monitor.poolRotations, "Credential changes applied to pools");
        counter(
                registry,
                "scaivault.pool.auth.bridged",
                monitor.authFailuresBridged,
                "New pool connections that failed authentication and asked the source for fresher credentials");
        counter(registry, "scaivault.pool.drain.timeouts", monitor.handOffTimeouts, "Drains that ran out of time");
        FunctionTimer.builder(
                        "scaivault.pool.drain",
                        monitor,
                        m -> m.handOffs.get(),
                        m -> m.drainNanos.get(),
                        TimeUnit.NANOSECONDS)
                .description("Time pools took to stop using the previous credentials")
                .register(registry);
        Gauge.builder("scaivault.sources.stale", this, m -> m.statuses().stream()
                        .filter(SourceStatus::stale)
                        .count())
                .description("Credential sources whose last refresh failed")
                .register(registry);
        Gauge.builder("scaivault.sources.invalid", this, m -> m.statuses().stream()
                        .filter(s -> !s.usableAt(clock.instant()))
                        .count())
                .description("Credential sources without a valid value")
                .register(registry);
    }

    private List<SourceStatus> statuses() {
        return sources.orderedStream().map(SecretSource::status).toList();
    }

    private static void counter(MeterRegistry registry, String name, AtomicLong value, String description) {
        FunctionCounter.builder(name, value, AtomicLong::get)
                .description(description)
                .register(registry);
    }
}
