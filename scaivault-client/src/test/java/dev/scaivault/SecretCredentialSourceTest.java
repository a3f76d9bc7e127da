package dev.scaivault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.scaivault.internal.ManualScheduler;
import dev.scaivault.testkit.ScaiVaultDevServer;
import dev.scaivault.testkit.leak.LeakCheck;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SecretCredentialSourceTest {
    static final String TOKEN = "skt_rotation_test_token_abcdef";
    static final String PATH = "environments/production/billing/database";

    ScaiVaultDevServer server;
    ScaiVault vault;

    @BeforeEach
    void start() {
        LeakCheck.secret(TOKEN, "pw-version-one-111", "pw-version-two-222", "pw-version-three-333");
        server = ScaiVaultDevServer.builder().staticToken(TOKEN, "idn_app").start();
        server.putSecret(PATH, Map.of("username", "billing", "password", "pw-version-one-111"));
        vault = ScaiVault.builder()
                .url(server.baseUrl())
                .auth(Auth.token(TOKEN))
                .build();
    }

    @AfterEach
    void stop() {
        vault.close();
        server.close();
    }

    @Test
    void aRotationIsPickedUpThroughTheSubscriptionWithinOneSecondAndDuplicatesApplyOnce() {
        try (SecretCredentialSource source = SecretCredentialSource.builder(vault, PATH)
                .refreshInterval(Duration.ZERO)
                .pollTimeout(Duration.ofSeconds(5))
                .build()) {
            assertThat(source.current().password()).isEqualTo("pw-version-one-111");
            assertThat(source.current().origin()).isEqualTo("secret " + PATH + " v1");
            List<String> seen = new CopyOnWriteArrayList<>();
            source.subscribe(c -> seen.add(c.current().origin()));
            await().until(() -> seen.size() == 1);

            server.rotateSecret(PATH, Map.of("username", "billing", "password", "pw-version-two-222"));
            await().atMost(Duration.ofSeconds(1)).until(() -> seen.size() == 2);
            assertThat(source.current().password()).isEqualTo("pw-version-two-222");
            assertThat(source.version()).isEqualTo(2);

            server.publishDuplicateOfLastEvent();
            server.rotateSecret(PATH, Map.of("username", "billing", "password", "pw-version-three-333"));
            await().atMost(Duration.ofSeconds(1)).until(() -> seen.size() == 3);
            assertThat(seen)
                    .containsExactly("secret " + PATH + " v1", "secret " + PATH + " v2", "secret " + PATH + " v3");
            assertThat(source.eventsApplied()).isEqualTo(2);
            LeakCheck.assertNoSecretIn(source, source.current(), source.status());
        }
    }

    @Test
    void withoutEventsThePeriodicRefreshBringsTheNewVersion() {
        ManualScheduler time = new ManualScheduler();
        try (ScaiVault v = ScaiVault.builder()
                        .url(server.baseUrl())
                        .auth(Auth.token(TOKEN))
                        .scheduler(time)
                        .build();
                SecretCredentialSource source = SecretCredentialSource.builder(v, PATH)
                        .events(false)
                        .refreshInterval(Duration.ofMinutes(5))
                        .build()) {
            server.rotateSecret(PATH, Map.of("username", "billing", "password", "pw-version-two-222"));
            time.advance(Duration.ofMinutes(4));
            assertThat(source.version()).isEqualTo(1);
            time.advance(Duration.ofMinutes(1));
            assertThat(source.version()).isEqualTo(2);
            assertThat(source.current().password()).isEqualTo("pw-version-two-222");
        }
    }

    @Test
    void aVersionWithoutThePasswordKeyIsRejectedAndTheLastGoodValueKept() {
        try (SecretCredentialSource source = SecretCredentialSource.builder(vault, PATH)
                .events(false)
                .refreshInterval(Duration.ZERO)
                .build()) {
            server.putSecret(PATH, Map.of("user", "billing", "pass", "pw-version-two-222"));
            assertThatThrownBy(() -> source.refreshNow().join()).hasMessageContaining("no key 'username'");
            assertThat(source.current().password()).isEqualTo("pw-version-one-111");
            assertThat(source.status().lastError())
                    .hasValueSatisfying(
                            m -> assertThat(m).contains(PATH, "v2", "username").doesNotContain("pw-version-two-222"));
        }
    }

    @Test
    void failsClosedWhenTheSecretCannotBeReadAtStart() {
        assertThatThrownBy(() ->
                        SecretCredentialSource.builder(vault, "apps/missing").build())
                .isInstanceOf(SecretUnavailableException.class)
                .hasMessageContaining("apps/missing")
                .hasMessageContaining("secret_not_found");
        try (SecretCredentialSource s = SecretCredentialSource.builder(vault, "apps/missing")
                .startWithoutValue(true)
                .events(false)
                .build()) {
            assertThat(s.status().hasValue()).isFalse();
        }
    }

    @Test
    void closeStopsTheEventThread() {
        SecretCredentialSource source = SecretCredentialSource.builder(vault, PATH)
                .pollTimeout(Duration.ofSeconds(30))
                .build();
        await().until(() -> Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().startsWith("scaivault-events-")));
        source.close();
        await().atMost(Duration.ofSeconds(5)).until(() -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().startsWith("scaivault-events-") && t.isAlive()));
    }
}
