package dev.scaivault.lease;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scaivault.Auth;
import dev.scaivault.ScaiVault;
import dev.scaivault.Time;
import dev.scaivault.testkit.Fault;
import dev.scaivault.testkit.ManualTime;
import dev.scaivault.testkit.RecordedRequest;
import dev.scaivault.testkit.RoleConfig;
import dev.scaivault.testkit.ScaiVaultDevServer;
import dev.scaivault.testkit.leak.LeakCheck;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A lease the server forgets, and a burst of 503s on its renewal, against the dev server over loopback HTTP.
 * The keeper runs on virtual time with its tasks inline, so an hour-long lease reaches its renewal at once;
 * the HTTP calls and the server's own clock are real.
 */
class LeaseFaultsTest {
    private static final String TOKEN = "skt_lease_faults_token_1c7d";

    private final ManualTime time = new ManualTime(Instant.now());
    private final LeaseKeeperTest.RecordingEvents events = new LeaseKeeperTest.RecordingEvents();
    private ScaiVaultDevServer server;
    private ScaiVault vault;
    private LeaseKeeper source;

    @BeforeEach
    void start() {
        LeakCheck.secret(TOKEN);
        server = ScaiVaultDevServer.builder()
                .staticToken(TOKEN, "idn_lease_faults")
                .rateLimitsEnabled(false)
                .inMemoryEngine("mem")
                .dynamicRole("mem", "app", RoleConfig.of(Duration.ofHours(1), Duration.ofHours(24)))
                .start();
        // The keeper inherits the client's time: both measure the lease's life on the same time line.
        vault = ScaiVault.builder()
                .url(server.baseUrl())
                .auth(Auth.token(TOKEN))
                .time(Time.of(time, time))
                .build();
        source = (LeaseKeeper)
                LeaseSource.builder(vault, "mem", "app").listener(events).build();
        LeakCheck.secret(source.current().password());
    }

    @AfterEach
    void stop() {
        source.close();
        vault.close();
        server.close();
    }

    private List<RecordedRequest> renewals(String leaseId) {
        return server.requests().stream()
                .filter(r -> r.path().equals("/v1/dynamic/leases/" + leaseId + "/renew"))
                .toList();
    }

    private List<RecordedRequest> generations() {
        return server.requests().stream()
                .filter(r -> r.path().equals("/v1/dynamic/engines/mem/creds/app"))
                .toList();
    }

    /** Advances virtual time a minute at a time (at most 1 h, the lease's life) until {@code done}. */
    private void advanceUntil(BooleanSupplier done) {
        Instant limit = time.now().plus(Duration.ofHours(1));
        while (!done.getAsBoolean()) {
            assertThat(time.now()).as("virtual time").isBefore(limit);
            time.advance(Duration.ofMinutes(1));
        }
    }

    @Test
    void aLeaseTheServerForgetsIsReplacedAtItsNextRenewalWhetherRevokedOrReaped() {
        String first = source.currentLeaseId().orElseThrow();
        server.revokeLease(first); // out of band: no consumer noticed, no refreshNow
        advanceUntil(() -> !renewals(first).isEmpty());
        assertThat(renewals(first)).extracting(RecordedRequest::status).containsExactly(404);
        // The successor within the same task, before virtual time moves on.
        String second = source.currentLeaseId().orElseThrow();
        assertThat(second).isNotEqualTo(first);
        assertThat(generations()).hasSize(2);
        assertThat(source.status().usableAt(time.now())).isTrue();

        server.expireLease(second); // the server's reaper: the same 404 lease_not_found
        advanceUntil(() -> !renewals(second).isEmpty());
        assertThat(renewals(second)).extracting(RecordedRequest::status).containsExactly(404);
        assertThat(source.currentLeaseId().orElseThrow()).isNotIn(first, second);
        assertThat(generations()).hasSize(3);
        assertThat(events.kinds()).contains("rotated " + first + ">" + second);
        assertThat(source.status().lastError()).isEmpty();
    }

    @Test
    void aBurstOf503sOnARenewalLosesNoLease() {
        String lease = source.currentLeaseId().orElseThrow();
        server.faults()
                .enqueue(
                        "POST /v1/dynamic/leases/*/renew",
                        Fault.error(503, "service_unavailable"),
                        Fault.error(503, "service_unavailable"),
                        Fault.error(503, "service_unavailable"));
        advanceUntil(() -> renewals(lease).stream().anyMatch(r -> r.status() == 200));
        assertThat(renewals(lease)).extracting(RecordedRequest::status).containsExactly(503, 503, 503, 200);
        assertThat(server.faults().pending()).isZero();
        assertThat(source.currentLeaseId()).contains(lease);
        assertThat(generations()).hasSize(1);
        assertThat(source.status().lastError()).isEmpty();
        assertThat(source.status().usableAt(time.now())).isTrue();
    }
}
