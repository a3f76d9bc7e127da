package dev.scaivault.lease;

import static org.assertj.core.api.Assertions.assertThat;

import dev.scaivault.Lease;
import dev.scaivault.Time;
import dev.scaivault.source.Credentials;
import dev.scaivault.testkit.ManualTime;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The predecessors' side of a lease keeper, on virtual time: hand-off, expiry, retried revocation, close. */
class RetirementTest {
    private final ManualTime time = new ManualTime();
    private final FakeDynamicSecrets fake = new FakeDynamicSecrets(time).ttl(Duration.ofHours(1), Duration.ofHours(24));
    private final List<String> revoked = new CopyOnWriteArrayList<>();
    private final LeaseListener listener = new LeaseListener() {
        @Override
        public void revoked(Lease lease) {
            revoked.add(lease.id());
        }
    };

    private Retirement retirement(Duration maxHandOffWait) {
        return new Retirement("lease:postgres/app", fake, Time.of(time, time), maxHandOffWait, new Random(5), listener);
    }

    private Held held() {
        Lease l = fake.generate("postgres", "app", null);
        return new Held(
                l.id(),
                l.duration(),
                Credentials.of(l.data().get("username"), l.data().get("password"), "lease " + l.id(), l.expiresAt()),
                l.toBuilder().data(java.util.Map.of()).build());
    }

    @Test
    void aPredecessorIsRevokedOnceItsHandOffCompletesNotBefore() {
        Retirement r = retirement(null);
        Held p = held();
        CompletableFuture<Void> handOff = new CompletableFuture<>();
        r.retire(p, handOff);
        time.advance(Duration.ofMinutes(10));
        assertThat(fake.calls("revoke")).isEmpty();
        assertThat(r.handOffsPending()).isEqualTo(1);
        handOff.complete(null);
        time.runDue();
        assertThat(revoked).containsExactly(p.id);
        assertThat(r.handOffsPending()).isZero();
    }

    @Test
    void withoutAHandOffItIsRevokedAtMaxHandOffWaitOrItsExpiryWhicheverComesFirst() {
        Retirement r = retirement(Duration.ofMinutes(5));
        Held p = held();
        r.retire(p, new CompletableFuture<>());
        time.advance(Duration.ofMinutes(5).minusSeconds(1));
        assertThat(revoked).isEmpty();
        time.advance(Duration.ofSeconds(1));
        assertThat(revoked).containsExactly(p.id);
    }

    @Test
    void aFailedRevocationIsRetriedWithTheLeasesBackOffUntilItSucceeds() {
        Retirement r = retirement(null);
        Held p = held();
        fake.down(true);
        r.retire(p, CompletableFuture.completedFuture(null));
        time.runDue();
        time.advance(Duration.ofMinutes(1));
        assertThat(revoked).isEmpty();
        int failedAttempts = fake.calls("revoke").size();
        fake.down(false);
        // Waits grow from a 40th of the lease (90 s) and never past half of what is left of it.
        time.advance(Duration.ofMinutes(30));
        assertThat(revoked).containsExactly(p.id);
        assertThat(failedAttempts).isGreaterThanOrEqualTo(1);
        assertThat(fake.calls("revoke")).hasSizeGreaterThan(failedAttempts);
    }

    @Test
    void aRevocationThatKeepsFailingStopsAtTheLeasesExpiry() {
        Retirement r = retirement(null);
        Held p = held();
        fake.down(true);
        r.retire(p, CompletableFuture.completedFuture(null));
        time.advance(Duration.ofHours(2));
        int attempts = fake.revokesStarted();
        time.advance(Duration.ofHours(5));
        assertThat(fake.revokesStarted()).isEqualTo(attempts);
        assertThat(r.handOffsPending()).isZero();
        assertThat(revoked).isEmpty();
    }
}
