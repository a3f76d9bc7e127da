package dev.scaivault;

import java.time.Duration;
import java.time.InstantSource;

/** {@link DynamicSecrets} over HTTP. */
final class HttpDynamicSecrets implements DynamicSecrets {
    private final Http http;
    private final InstantSource clock;
    private final boolean singleAttempt;

    HttpDynamicSecrets(Http http, InstantSource clock) {
        this(http, clock, false);
    }

    private HttpDynamicSecrets(Http http, InstantSource clock, boolean singleAttempt) {
        this.http = http;
        this.clock = clock;
        this.singleAttempt = singleAttempt;
    }

    @Override
    public DynamicSecrets singleAttempt() {
        return singleAttempt ? this : new HttpDynamicSecrets(http, clock, true);
    }

    private Http.Answer execute(Http.Call call) {
        return http.execute(singleAttempt ? call.singleAttempt() : call);
    }

    @Override
    public Lease generate(String engine, String role, Duration ttl) {
        String what = "generate credentials for " + engine + "/" + role;
        // Not idempotent: every call creates a database role, so an ambiguous failure is not retried.
        Http.Call call = Http.Call.post(Protocol.dynamicCreds(engine, role), Protocol.generateBody(ttl), false, what);
        Lease lease = Protocol.lease(Protocol.parse(execute(call).body(), what), clock.instant(), engine, role);
        http.redactor().remember(lease.data().get("password"));
        return lease;
    }

    @Override
    public Lease renew(String leaseId, Duration increment) {
        String what = "renew lease " + leaseId;
        Http.Call call = Http.Call.post(Protocol.leaseRenew(leaseId), Protocol.renewBody(increment), true, what);
        return Protocol.lease(Protocol.parse(execute(call).body(), what), clock.instant(), null, null);
    }

    @Override
    public void revoke(String leaseId) {
        String what = "revoke lease " + leaseId;
        try {
            execute(Http.Call.post(Protocol.leaseRevoke(leaseId), null, true, what));
        } catch (NotFoundException e) {
            // Already gone (expired or revoked elsewhere): that is what we wanted.
        }
    }

    @Override
    public Lease lookup(String leaseId) {
        String what = "look up lease " + leaseId;
        return Protocol.lease(
                Protocol.parse(
                        execute(Http.Call.get(Protocol.lease(leaseId), what)).body(), what),
                clock.instant(),
                null,
                null);
    }
}
