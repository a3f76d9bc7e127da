package dev.scaivault.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.scaivault.pool.BridgingDataSourceTest.FakeDb;
import dev.scaivault.pool.load.ManualCredentialSource;
import dev.scaivault.source.AbstractSecretSource;
import dev.scaivault.source.Credentials;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class CredentialDataSourceTest {

    @Test
    void everyConnectionGetsTheSourcesCurrentCredentialsWhateverTheCallerPasses() throws Exception {
        Set<String> accepted = ConcurrentHashMap.newKeySet();
        accepted.add("pw-1");
        var db = new FakeDb(accepted::contains);
        try (var source = new ManualCredentialSource(Credentials.of("app", "pw-1", "v1"));
                var ds = CredentialDataSource.wrap(db, source)) {
            ds.getConnection().close();
            ds.getConnection("someone", "else").close();
            accepted.add("pw-2");
            source.publishNext(Credentials.of("app", "pw-2", "v2")).get(5, TimeUnit.SECONDS);
            ds.getConnection().close();

            assertThat(db.logins).containsExactly("pw-1", "pw-1", "pw-2");
            assertThat(ds.metrics().rotations()).isEqualTo(1);
            assertThat(ds.toString()).doesNotContain("pw-").contains("FakeDb");
        }
    }

    @Test
    void aLoginTheDatabaseRefusesAsksTheSourceToRefreshAndRetriesWithWhatItBrings() throws Exception {
        var db = new FakeDb(pw -> pw.equals("pw-2"));
        try (var source = new RefreshBrings(Credentials.of("app", "pw-1", "v1"), Credentials.of("app", "pw-2", "v2"));
                var ds = CredentialDataSource.wrap(db, source)) {
            try (Connection c = ds.getConnection()) {
                assertThat(c.isClosed()).isFalse();
            }
            assertThat(db.logins).containsExactly("pw-1", "pw-2");
            assertThat(ds.metrics().bridgedAuthFailures()).isEqualTo(1);
        }
    }

    @Test
    void thePreviousCredentialsAreHandedOffOnlyOnceTheirLastConnectionIsClosed() throws Exception {
        var db = new FakeDb(pw -> true);
        try (var source = new ManualCredentialSource(Credentials.of("app", "pw-1", "v1"));
                var ds = CredentialDataSource.wrap(db, source)) {
            Connection held = ds.getConnection();

            CompletableFuture<Void> handOff = source.publishNext(Credentials.of("app", "pw-2", "v2"));
            await().atMost(Duration.ofSeconds(5)).until(() -> ds.metrics().rotations() == 1);
            assertThat(ds.metrics().pendingHandOffs()).isEqualTo(1);
            assertThat(ds.metrics().connectionsOnPreviousCredentials()).isEqualTo(1);
            assertThat(handOff).isNotDone();

            held.close();
            handOff.get(5, TimeUnit.SECONDS);
            assertThat(ds.metrics().pendingHandOffs()).isZero();
        }
    }

    @Test
    void aDataSourceNoAdapterSupportsIsRefusedWithWhatWouldWork() {
        try (var source = new ManualCredentialSource(Credentials.of("app", "pw-1", "v1"))) {
            assertThatThrownBy(() -> PoolBinding.bind(new FakeDb(pw -> true), source))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(FakeDb.class.getName())
                    .hasMessageContaining("scaivault-tomcat-jdbc")
                    .hasMessageContaining("CredentialDataSource");
        }
    }

    /** A source whose refresh finds the next value, as a file source re-reading a volume the kubelet updated. */
    private static final class RefreshBrings extends AbstractSecretSource<Credentials> {
        private final Credentials next;

        RefreshBrings(Credentials first, Credentials next) {
            super("test:refresh-brings", Clock.systemUTC());
            this.next = next;
            publish(first);
        }

        @Override
        public CompletableFuture<Credentials> refreshNow() {
            publish(next);
            return CompletableFuture.completedFuture(next);
        }
    }
}
