package dev.scaivault.spring;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotatedTypeMetadata;

/** Matches when a ScaiVault URL is configured: {@code scaivault.url} or the SCAIVAULT_URL environment variable. */
final class ScaiVaultUrlCondition extends SpringBootCondition {
    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
        Environment env = context.getEnvironment();
        String url = env.getProperty("scaivault.url");
        if (url == null || url.isBlank()) {
            url = env.getProperty("SCAIVAULT_URL");
        }
        return url != null && !url.isBlank()
                ? ConditionOutcome.match("ScaiVault URL " + url)
                : ConditionOutcome.noMatch("neither scaivault.url nor SCAIVAULT_URL is set");
    }
}
