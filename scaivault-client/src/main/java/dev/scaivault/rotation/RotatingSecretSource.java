package dev.scaivault.rotation;

import dev.scaivault.Checks;
import dev.scaivault.Events;
import dev.scaivault.ScaiVault;
import dev.scaivault.Secret;
import dev.scaivault.SecretUnavailableException;
import dev.scaivault.Secrets;
import dev.scaivault.source.SecretSource;
import java.time.Duration;

/**
 * A static ScaiVault secret that follows its new versions. A rotation writes version N+1 and announces it
 * with {@code secret.rotated} (a plain write with {@code secret.updated}); this source long-polls a
 * subscription for both and reads the new version at once, with a periodic re-read as a safety net. The
 * previous version stays valid on the server for the rotation's grace period (48 h by default), which is what
 * lets a pool drain its connections before the old password stops working.
 *
 * <pre>{@code
 * SecretSource<Credentials> db = RotatingSecretSource.builder(vault, "environments/prod/billing/db")
 *         .build()
 *         .map(Credentials.fromKeys("username", "password"));
 * }</pre>
 */
public final class RotatingSecretSource {
    private RotatingSecretSource() {}

    /** Starts configuring a source of {@code path}'s versions, read from {@code vault}, on the vault's time. */
    public static Builder builder(ScaiVault vault, String path) {
        return new Builder(Checks.notNull(vault, "vault"), path);
    }

    /** Configures a rotating secret source; every setting has a default. */
    public static final class Builder {
        final ScaiVault vault;
        final String path;
        Duration refreshInterval = Duration.ofMinutes(5);
        Duration pollTimeout = Duration.ofSeconds(30);
        Duration minPollInterval = Duration.ofSeconds(1);
        boolean events = true;
        boolean startWithoutValue;

        private Builder(ScaiVault vault, String path) {
            this.vault = vault;
            this.path = Secrets.checkPath(Checks.notNull(path, "path"));
        }

        /** How often to re-read the secret besides reacting to events (default 5 min). */
        public Builder refreshInterval(Duration d) {
            this.refreshInterval = Checks.positive(d, "refreshInterval");
            return this;
        }

        /** Only the periodic re-read: no subscription to rotation events (default: events followed). */
        public Builder withoutEvents() {
            this.events = false;
            return this;
        }

        /** How long one long poll waits (default 30 s, at most 60 s). */
        public Builder pollTimeout(Duration d) {
            Checks.positive(d, "pollTimeout");
            if (d.compareTo(Events.MAX_POLL_TIMEOUT) > 0) {
                throw new IllegalArgumentException("pollTimeout must be at most 60 s, not " + d);
            }
            this.pollTimeout = d;
            return this;
        }

        /**
         * The shortest time between two polls (default 1 s): ScaiVault allows 240 polls a minute per identity,
         * shared by every pod and source using it.
         */
        public Builder minPollInterval(Duration d) {
            this.minPollInterval = Checks.notNegative(d, "minPollInterval");
            return this;
        }

        /**
         * Lets {@link #build()} return a source without a value when the first read fails (it keeps trying).
         * Default: fail closed.
         */
        public Builder startWithoutValue() {
            this.startWithoutValue = true;
            return this;
        }

        /**
         * Subscribes to the events, then reads the secret (so a rotation in between is not lost).
         *
         * @throws SecretUnavailableException naming the path and the reason when the first read fails (unless
         *     {@link #startWithoutValue()})
         */
        public SecretSource<Secret> build() {
            return SecretFollower.start(this);
        }
    }
}
