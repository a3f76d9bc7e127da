package dev.scaivault.file;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Opt-in: on SIGHUP, re-read every open file source at once. A sidecar (Vault Agent's {@code exec}, a
 * custom rotator) may send SIGHUP after writing new files; without a handler the JVM's default reaction to
 * SIGHUP is to exit. Installing this handler keeps the JVM alive on SIGHUP.
 *
 * <pre>{@code
 * SighupReload hup = SighupReload.install(); // idempotent
 * ...
 * hup.close(); // restores the previous handler
 * }</pre>
 *
 * <p>Uses {@code sun.misc.Signal} (module {@code jdk.unsupported}, present in every OpenJDK build). With
 * {@code -Xrs} the JVM does not allow the handler and {@link #install()} throws. A process started with
 * SIGHUP ignored (under {@code nohup}, say) keeps ignoring it: then {@link #install()} logs a warning and
 * {@link #isInstalled()} stays false.
 */
public final class SighupReload implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SighupReload.class);
    private static final Signal HUP = new Signal("HUP");
    private static SighupReload installed;

    private final SignalHandler previous;

    private SighupReload(SignalHandler previous) {
        this.previous = previous;
    }

    /**
     * Installs the handler (or returns the one already installed).
     *
     * @throws IllegalArgumentException if the JVM does not let SIGHUP be handled (for example with -Xrs)
     */
    public static synchronized SighupReload install() {
        if (installed == null) {
            SignalHandler prev = Signal.handle(HUP, sig -> {
                log.info("SIGHUP received: re-reading every secret file");
                WatchedFile.refreshAll();
            });
            if (prev == SignalHandler.SIG_IGN) {
                // The JVM keeps a signal the parent ignored (nohup, some supervisors) ignored, whatever we ask.
                Signal.handle(HUP, SignalHandler.SIG_IGN);
                log.warn("SIGHUP is ignored by this process (started under nohup?); SIGHUP reload is not active");
                return new SighupReload(SignalHandler.SIG_IGN);
            }
            installed = new SighupReload(prev);
        }
        return installed;
    }

    /** Whether the handler is installed and SIGHUP reaches it. */
    public static synchronized boolean isInstalled() {
        return installed != null;
    }

    /** Restores the handler that was in place before {@link #install()}; idempotent. */
    @Override
    public void close() {
        synchronized (SighupReload.class) {
            if (installed == this) {
                Signal.handle(HUP, previous);
                installed = null;
            }
        }
    }
}
