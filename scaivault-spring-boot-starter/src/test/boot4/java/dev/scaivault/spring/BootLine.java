package dev.scaivault.spring;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * What the starter's test suite needs that differs on Boot 4: the health API ({@code org.springframework.boot.health.contributor}) and
 * the DataSource auto-configuration. Every other test source is the same on every line.
 */
final class BootLine {
    /** Hiding this package with a {@code FilteredClassLoader} hides the health classes. */
    static final String HEALTH_PACKAGE = "org.springframework.boot.health.contributor";

    static final String DATASOURCE_AUTO_CONFIGURATION =
            "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration";

    private BootLine() {}

    /** What the {@code scaivaultHealthIndicator} bean reports now. */
    static HealthView health(ApplicationContext ctx) {
        Health h =
                ctx.getBean("scaivaultHealthIndicator", HealthIndicator.class).health();
        return new HealthView(h.getStatus().getCode(), h.getDetails(), h);
    }

    /** An application's own health indicator named {@code scaivaultHealthIndicator}. */
    @Configuration(proxyBeanMethods = false)
    static class OwnHealth {
        @Bean
        HealthIndicator scaivaultHealthIndicator() {
            return () -> Health.up().build();
        }
    }
}
