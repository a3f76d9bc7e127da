package dev.scaivault.spring;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Turns a startup without DataSource credentials into a short "APPLICATION FAILED TO START" report. */
final class CredentialsFailureAnalyzer extends AbstractFailureAnalyzer<CredentialsUnavailableException> {
    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, CredentialsUnavailableException cause) {
        return new FailureAnalysis(
                "ScaiVault could not provide the DataSource's credentials: " + cause.getMessage(),
                "Check the scaivault.datasource.* settings and that the credential source is reachable, or set"
                        + " scaivault.datasource.start-without-credentials=true to start without credentials"
                        + " (health stays DOWN until they arrive), or scaivault.datasource.fallback.path to start on"
                        + " a break-glass credential file while ScaiVault is unreachable.",
                cause);
    }
}
