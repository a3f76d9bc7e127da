package dev.scaivault.lease;

import dev.scaivault.Auth;
import dev.scaivault.ScaiVault;
import dev.scaivault.testkit.ScaiVaultDevServer;
import java.time.Duration;

/** The clients the lease ITs share. */
final class TestClients {
    private TestClients() {}

    /**
     * One attempt per call and a short budget: the lease keeper owns the retry schedule, and a refused or
     * hanging server costs a test seconds, not the client's default 30 s budget.
     */
    static ScaiVault singleAttempt(ScaiVaultDevServer server, String token) {
        return ScaiVault.builder()
                .url(server.baseUrl())
                .auth(Auth.token(token))
                .maxAttempts(1)
                .connectTimeout(Duration.ofMillis(500))
                .readTimeout(Duration.ofSeconds(2))
                .callBudget(Duration.ofSeconds(2))
                .build();
    }
}
