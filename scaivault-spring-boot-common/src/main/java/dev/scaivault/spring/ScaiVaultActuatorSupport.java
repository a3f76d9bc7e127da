package dev.scaivault.spring;

import dev.scaivault.ScaiVault;
import dev.scaivault.source.SecretSource;
import java.time.Clock;
import java.util.Locale;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.endpoint.SanitizableData;
import org.springframework.boot.actuate.endpoint.SanitizingFunction;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Metrics and actuator sanitizing, each only when its classes are present, the same on every Boot line: each
 * line's {@code ScaiVaultActuatorConfiguration} imports them next to its own health configuration (Boot 4 moved
 * health to {@code spring-boot-health}).
 */
final class ScaiVaultActuatorSupport {
    private ScaiVaultActuatorSupport() {}

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
     * Boot 3 and 4 mask every value of /actuator/env and /actuator/configprops by default, but show every value
     * once {@code show-values=always}: this keeps the ScaiVault token, the client secret and the values
     * imported with {@code spring.config.import=scaivault://} masked even then, and every password (the pool's
     * is the starter's credential).
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.SanitizingFunction")
    static class Sanitizing {
        @Bean
        SanitizingFunction scaivaultSanitizingFunction() {
            return ScaiVaultActuatorSupport::sanitize;
        }
    }

    static SanitizableData sanitize(SanitizableData data) {
        if (data.getPropertySource() != null
                && data.getPropertySource().getName().startsWith(ConfigImports.PROPERTY_SOURCE_PREFIX)) {
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
