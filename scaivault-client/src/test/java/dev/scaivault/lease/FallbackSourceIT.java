package dev.scaivault.lease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.scaivault.ScaiVault;
import dev.scaivault.SecretUnavailableException;
import dev.scaivault.file.FileSource;
import dev.scaivault.source.Credentials;
import dev.scaivault.source.SecretSource;
import dev.scaivault.source.SourceStatus;
import dev.scaivault.testkit.RoleConfig;
import dev.scaivault.testkit.ScaiVaultDevServer;
import dev.scaivault.testkit.leak.LeakCheck;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ScaiVault refusing connections at startup, over loopback HTTP against the testkit's dev server (an
 * in-memory dynamic engine), with and without a break-glass file as the fallback.
 */
class FallbackSourceIT {
    private static final String TOKEN = "skt_fallback_it_token_8c2d71";
    private static final String BREAK_GLASS_PASSWORD = "break-glass-pw-4f9e20b7";

    @TempDir
    Path dir;

    private ScaiVaultDevServer server;
    private ScaiVault vault;
    private Path breakGlass;

    @BeforeEach
    void start() throws Exception {
        LeakCheck.secret(TOKEN, BREAK_GLASS_PASSWORD);
        server = ScaiVaultDevServer.builder()
                .staticToken(TOKEN, "idn_fallback_it")
                .rateLimitsEnabled(false)
                .inMemoryEngine("mem")
                .dynamicRole("mem", "app", RoleConfig.of(Duration.ofSeconds(4), Duration.ofSeconds(12)))
                .start();
        vault = TestClients.singleAttempt(server, TOKEN);
        breakGlass = dir.resolve("db-break-glass.json");
        Files.writeString(breakGlass, "{\"username\": \"breakglass\", \"password\": \"" + BREAK_GLASS_PASSWORD + "\"}");
        server.refuseConnections(true);
    }

    @AfterEach
    void stop() {
        vault.close();
        server.close();
    }

    private LeaseSource.Builder lease() {
        return LeaseSource.builder(vault, "mem", "app")
                .ttl(Duration.ofSeconds(4))
                .closeTimeout(Duration.ofSeconds(5));
    }

    @Test
    void withoutAFallbackStartupFailsClosedNamingEngineRoleAndTheRefusal() {
        assertThatThrownBy(() -> lease().build())
                .isInstanceOf(SecretUnavailableException.class)
                .hasMessageContaining("lease:mem/app: could not generate credentials for engine 'mem' role 'app'")
                .hasMessageContaining("connection refused")
                .satisfies(LeakCheck::assertNoSecretIn);
    }

    @Test
    void withAFileFallbackItStartsOnTheFileAndMovesToTheLeaseWhenScaiVaultAnswers() {
        SecretSource<Credentials> file = FileSource.builder(breakGlass).build().map(Credentials.fromKeys());
        SecretSource<Credentials> source = lease().startWithoutValue().build().withFallback(file);
        String leaseAtClose;
        try {
            assertThat(source.current().username()).isEqualTo("breakglass");
            assertThat(source.current().password()).isEqualTo(BREAK_GLASS_PASSWORD);
            SourceStatus st = source.status();
            assertThat(st.stale()).isTrue();
            assertThat(st.lastError()).hasValueSatisfying(e -> assertThat(e)
                    .startsWith("serving fallback file:" + breakGlass + ": lease:mem/app has no value yet: ")
                    .contains("engine 'mem' role 'app'", "connection refused"));
            LeakCheck.assertNoSecretIn(st, source);

            List<Credentials> seen = new CopyOnWriteArrayList<>();
            source.subscribe(c -> {
                if (c.current().origin().startsWith("lease ")) {
                    LeakCheck.secret(c.current().password());
                }
                seen.add(c.current());
            });
            server.refuseConnections(false);
            await().atMost(Duration.ofSeconds(15))
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> source.current().origin().startsWith("lease "));
            Credentials leased = source.current();
            assertThat(server.leases())
                    .anySatisfy(l -> assertThat(leased.origin()).endsWith(l.id()));
            assertThat(source.status().servingFallback()).isFalse();
            assertThat(source.status().stale()).isFalse();
            await().atMost(Duration.ofSeconds(5)).until(() -> !file.status().hasValue());
            await().atMost(Duration.ofSeconds(5)).until(() -> seen.size() >= 2);
            assertThat(seen.get(0).username()).isEqualTo("breakglass");
            assertThat(seen.get(1).origin()).startsWith("lease ");
            assertThat(seen.subList(1, seen.size())).allMatch(c -> c.origin().startsWith("lease "));
            leaseAtClose = source.current().origin().substring("lease ".length());
        } finally {
            source.close();
        }
        assertThat(server.revokedLeaseIds()).contains(leaseAtClose);
    }
}
