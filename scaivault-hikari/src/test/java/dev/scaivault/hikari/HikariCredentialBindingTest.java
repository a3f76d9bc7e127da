package dev.scaivault.hikari;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.scaivault.SecretUnavailableException;
import dev.scaivault.pool.RotationMetrics;
import dev.scaivault.source.AbstractSecretSource;
import dev.scaivault.source.Credentials;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The binding's life cycle on a pool that has not started (no database needed). */
class HikariCredentialBindingTest {

    @Test
    void failsClosedWhenTheSourceHasNoValue() {
        try (var empty = new AbstractSecretSource<Credentials>("test:empty", Clock.systemUTC()) {
                    @Override
                    public CompletableFuture<Credentials> refreshNow() {
                        return CompletableFuture.failedFuture(new IllegalStateException("nothing"));
                    }
                };
                var ds = unstartedPool("empty")) {
            assertThatThrownBy(() -> HikariCredentialBinding.bind(ds, empty))
                    .isInstanceOf(SecretUnavailableException.class)
                    .hasMessageContaining("test:empty");
            assertThat(ds.getUsername()).isNull();
            assertThat(ds.getDataSource()).isNull();
        }
    }

    @Test
    void setsTheFirstCredentialsBeforeThePoolStartsAndFollowsChanges() throws Exception {
        try (var src = new TestCredentialSource(Credentials.of("app", "pw-1", "v1"));
                var ds = unstartedPool("follows");
                var binding = HikariCredentialBinding.bind(ds, src)) {
            assertThat(ds.getUsername()).isEqualTo("app");
            assertThat(ds.getPassword()).isEqualTo("pw-1");
            assertThat(ds.getDataSource().toString()).startsWith("ScaiVaultBridgingDataSource{");

            src.publishNext(Credentials.of("app2", "pw-2", "v2")).get(5, TimeUnit.SECONDS);

            assertThat(ds.getUsername()).isEqualTo("app2");
            assertThat(ds.getPassword()).isEqualTo("pw-2");
            RotationMetrics m = binding.metrics();
            assertThat(m.rotations()).isEqualTo(1);
            assertThat(m.lastRotation()).isPresent();
            assertThat(m.pendingHandOffs()).isZero();
            assertThat(m.connectionsOnPreviousCredentials()).isZero();
            assertThat(Thread.getAllStackTraces().keySet())
                    .anySatisfy(t -> assertThat(t.getName()).startsWith("scaivault-hikari-"))
                    .filteredOn(t -> t.getName().startsWith("scaivault-hikari-"))
                    .allSatisfy(t -> assertThat(t.isDaemon()).isTrue());
        }
    }

    @Test
    void aPoolIsBoundOnceAndNeverWhenClosed() {
        try (var src = new TestCredentialSource(Credentials.of("app", "pw-1", "v1"));
                var ds = unstartedPool("once");
                var first = HikariCredentialBinding.bind(ds, src)) {
            assertThatThrownBy(() -> HikariCredentialBinding.bind(ds, src))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("pool once is already bound");
        }
        try (var src = new TestCredentialSource(Credentials.of("app", "pw-1", "v1"))) {
            var ds = unstartedPool("closed");
            ds.close();
            assertThatThrownBy(() -> HikariCredentialBinding.bind(ds, src))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("pool closed is closed");
        }
    }

    @Test
    void badSettingsAreNamed() {
        try (var src = new TestCredentialSource(Credentials.of("app", "pw-1", "v1"));
                var ds = unstartedPool("settings")) {
            var b = HikariCredentialBinding.builder(ds, src);
            assertThatThrownBy(() -> b.maxDrainTime(Duration.ZERO)).hasMessageContaining("maxDrainTime");
            assertThatThrownBy(() -> b.validationTimeout(Duration.ofSeconds(-1)))
                    .hasMessageContaining("validationTimeout");
            assertThatThrownBy(() -> b.authFailureBudget(Duration.ofMillis(-1)))
                    .hasMessageContaining("authFailureBudget");
        }
    }

    private static HikariDataSource unstartedPool(String name) {
        HikariDataSource ds = new HikariDataSource();
        ds.setJdbcUrl("jdbc:postgresql://127.0.0.1:1/none");
        ds.setPoolName(name);
        return ds;
    }
}
