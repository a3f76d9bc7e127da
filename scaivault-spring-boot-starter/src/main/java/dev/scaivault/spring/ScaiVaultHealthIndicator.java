package dev.scaivault.spring;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/** The {@code scaivault} health component on Boot 4's health API; the rules are {@link ScaiVaultHealth}'s. */
final class ScaiVaultHealthIndicator extends AbstractHealthIndicator {
    private final ScaiVaultHealth health;

    ScaiVaultHealthIndicator(ScaiVaultHealth health) {
        super("ScaiVault health check failed");
        this.health = health;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        ScaiVaultHealth.Report report = health.check();
        builder.withDetails(report.details());
        if (report.up()) {
            builder.up();
        } else {
            builder.down();
        }
    }
}
