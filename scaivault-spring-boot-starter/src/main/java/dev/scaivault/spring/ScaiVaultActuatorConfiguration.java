package dev.scaivault.spring;

import dev.scaivault.ScaiVault;
import dev.scaivault.SecretSource;
import java.time.Clock;
import java.util.Locale;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.endpoint.SanitizableData;
import org.springframework.boot.actuate.endpoint.SanitizingFunction;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Health, metrics and actuator sanitizing, each only when its classes are present. Separate from {@link
 * ScaiVaultAutoConfiguration} so that the classes of an absent actuator or Micrometer are never loaded.
 */
@AutoConfiguration(after = ScaiVaultAutoConfiguration.class)
@ConditionalOnBean(ScaiVaultMonitor.class)
public class ScaiVaultActuatorConfiguration {

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.actuate.health.HealthIndicator")
    @ConditionalOnProperty(prefix = "management.health.scaivault", name = "enabled", matchIfMissing = true)
    static class Health {
        @Bean
        @ConditionalOnMissingBean(name = "scaivaultHealthIndicator")
        ScaiVaultHealthIndicator scaivaultHealthIndicator(
                ObjectProvider<ScaiVault> clients, ObjectProvider<SecretSource<?>> sources, ScaiVaultMonitor monitor) {
            return new ScaiVaultHealthIndicator(clients, sources, monitor, Clock.systemUTC());
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "io.micrometer.core.instrument.binder.MeterBinder")
    static class Metrics {
        @Bean
        @ConditionalOnMissingBean(name = "scaivaultMetrics")
        ScaiVaultMetrics scaivaultMetrics(
                ObjectProvider<ScaiVault> clients, ObjectProvider<SecretSource<?>> sources, ScaiVaultMonitor monitor) {
            return new ScaiVaultMetrics(clients, sources, monitor, Clock.systemUTC());
        }
    }

    /**
     * Boot 3 masks every value of /actuator/env and /actuator/configprops by default, but shows every value
     * once {@code show-values=always}: this keeps the ScaiVault token, the client secret and the values
     * imported with {@code spring.config.import=scaivault://} masked even then, and every password (the pool's
     * is the starter's credential).
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.SanitizingFunction")
    static class Sanitizing {
        @Bean
        SanitizingFunction scaivaultSanitizingFunction() {
            return ScaiVaultActuatorConfiguration::sanitize;
        }
    }

    static SanitizableData sanitize(SanitizableData data) {
        if (data.getPropertySource() != null
                && data.getPropertySource().getName().startsWith(ScaiVaultConfigDataLoader.PROPERTY_SOURCE_PREFIX)) {
            return data.withSanitizedValue();
        }
        String key = data.getKey() == null
                ? ""
                : data.getKey().toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
        boolean ours = key.startsWith("scaivault") || key.equals("token") || key.equals("clientsecret");
        if (ours && (key.endsWith("token") || key.endsWith("secret"))) {
            return data.withSanitizedValue();
        }
        // The pool's password is a ScaiVault credential once the starter has set it (configprops shows the
        // HikariDataSource bean's properties).
        if (key.endsWith("password") || key.endsWith("credentials")) {
            return data.withSanitizedValue();
        }
        return data;
    }
}
