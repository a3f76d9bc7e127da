package dev.scaivault.spring;

import dev.scaivault.ScaiVault;
import dev.scaivault.source.SecretSource;
import java.time.Clock;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * Health (on Boot 3.5's health API), metrics and actuator sanitizing, each only when its classes are
 * present. Separate from {@link ScaiVaultAutoConfiguration} so that the classes of an absent actuator, health
 * module or Micrometer are never loaded.
 */
@AutoConfiguration(after = ScaiVaultAutoConfiguration.class)
@ConditionalOnBean(ScaiVaultMonitor.class)
@Import({ScaiVaultActuatorSupport.Metrics.class, ScaiVaultActuatorSupport.Sanitizing.class})
public class ScaiVaultActuatorConfiguration {

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.actuate.health.HealthIndicator")
    @ConditionalOnProperty(prefix = "management.health.scaivault", name = "enabled", matchIfMissing = true)
    static class Health {
        @Bean
        @ConditionalOnMissingBean(name = "scaivaultHealthIndicator")
        ScaiVaultHealthIndicator scaivaultHealthIndicator(
                ObjectProvider<ScaiVault> clients, ObjectProvider<SecretSource<?>> sources, ScaiVaultMonitor monitor) {
            return new ScaiVaultHealthIndicator(new ScaiVaultHealth(clients, sources, monitor, Clock.systemUTC()));
        }
    }
}
