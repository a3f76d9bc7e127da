package dev.scaivault.rotation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.scaivault.Auth;
import dev.scaivault.ScaiVault;
import dev.scaivault.Secret;
import dev.scaivault.SecretUnavailableException;
import dev.scaivault.Time;
import dev.scaivault.source.Credentials;
import dev.scaivault.source.SecretSource;
import dev.scaivault.testkit.ManualTime;
import dev.scaivault.testkit.ScaiVaultDevServer;
import dev.scaivault.testkit.leak.LeakCheck;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RotatingSecretSourceTest {
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
        try (SecretSource<Credentials> source = RotatingSecretSource.builder(vault, PATH)
                .refreshInterval(Duration.ofHours(1))
                .pollTimeout(Duration.ofSeconds(5))
                .build()
                .map(Credentials.fromKeys())) {
            assertThat(source.current().password()).isEqualTo("pw-version-one-111");
            assertThat(source.current().origin()).isEqualTo("secret " + PATH + " v1");
            List<String> seen = new CopyOnWriteArrayList<>();
            source.subscribe(c -> seen.add(c.current().origin()));
            await().until(() -> seen.size() == 1);

            server.rotateSecret(PATH, Map.of("username", "billing", "password", "pw-version-two-222"));
            await().atMost(Duration.ofSeconds(1)).until(() -> seen.size() == 2);
            assertThat(source.current().password()).isEqualTo("pw-version-two-222");

            server.publishDuplicateOfLastEvent();
            server.rotateSecret(PATH, Map.of("username", "billing", "password", "pw-version-three-333"));
            await().atMost(Duration.ofSeconds(1)).until(() -> seen.size() == 3);
            // The duplicate of v2's event read nothing new: each version was delivered exactly once.
            assertThat(seen)
                    .containsExactly("secret " + PATH + " v1", "secret " + PATH + " v2", "secret " + PATH + " v3");
            LeakCheck.assertNoSecretIn(source, source.current(), source.status());
        }
    }

    @Test
    void withoutEventsThePeriodicRefreshBringsTheNewVersionOnVirtualTime() {
        ManualTime time = new ManualTime();
        try (ScaiVault v = ScaiVault.builder()
                        .url(server.baseUrl())
                        .auth(Auth.token(TOKEN))
                        .time(Time.of(time, time))
                        .build();
                SecretSource<Secret> source = RotatingSecretSource.builder(v, PATH)
                        .withoutEvents()
                        .refreshInterval(Duration.ofMinutes(5))
                        .build()) {
            server.rotateSecret(PATH, Map.of("username", "billing", "password", "pw-version-two-222"));
            time.advance(Duration.ofMinutes(4));
            assertThat(source.current().version()).isEqualTo(1);
            time.advance(Duration.ofMinutes(1));
            assertThat(source.current().version()).isEqualTo(2);
            assertThat(source.current().string("password")).isEqualTo("pw-version-two-222");
        }
    }

    @Test
    void aVersionWithoutThePasswordKeyIsRejectedByTheMappingAndTheLastGoodValueKept() {
        try (SecretSource<Credentials> source = RotatingSecretSource.builder(vault, PATH)
                .withoutEvents()
                .refreshInterval(Duration.ofHours(1))
                .build()
                .map(Credentials.fromKeys())) {
            server.putSecret(PATH, Map.of("user", "billing", "pass", "pw-version-two-222"));
            assertThatThrownBy(() -> source.refreshNow().join()).hasMessageContaining("key username is missing");
            assertThat(source.current().password()).isEqualTo("pw-version-one-111");
            assertThat(source.status().lastError())
                    .hasValueSatisfying(
                            m -> assertThat(m).contains(PATH, "v2", "username").doesNotContain("pw-version-two-222"));
        }
    }

    @Test
    void failsClosedWhenTheSecretCannotBeReadAtStart() {
        assertThatThrownBy(() ->
                        RotatingSecretSource.builder(vault, "apps/missing").build())
                .isInstanceOf(SecretUnavailableException.class)
                .hasMessageContaining("apps/missing")
                .hasMessageContaining("secret_not_found");
        try (SecretSource<Secret> s = RotatingSecretSource.builder(vault, "apps/missing")
                .startWithoutValue()
                .withoutEvents()
                .build()) {
            assertThat(s.status().hasValue()).isFalse();
        }
    }

    @Test
    void closeStopsThePolling() {
        SecretSource<Secret> source = RotatingSecretSource.builder(vault, PATH)
                .pollTimeout(Duration.ofSeconds(1))
                .minPollInterval(Duration.ZERO)
                .build();
        await().until(() -> polls() >= 2);
        source.close();
        long afterClose = polls();
        await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3)).until(() -> polls() <= afterClose + 1);
    }

    private long polls() {
        return server.requests().stream()
                .filter(r -> r.path().contains("/poll"))
                .count();
    }
}
