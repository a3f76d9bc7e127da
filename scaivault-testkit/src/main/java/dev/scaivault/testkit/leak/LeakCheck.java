package dev.scaivault.testkit.leak;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.AppenderBase;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.LoggerFactory;

/**
 * Proves that no secret value reaches a log line. Registered for a whole test suite (JUnit extension
 * auto-detection, or {@code @ExtendWith(LeakCheck.class)}), it captures every logging event of every logger
 * at every level, from every thread, and after each test fails it if any value registered with {@link
 * #secret} appears in a message, an argument or a stack trace. Secrets registered by one test stay
 * registered, so a leak that happens later in the suite is still caught. Every password and bearer token a
 * dev server issues while LeakCheck is installed is registered by itself ({@link IssuedSecrets}).
 *
 * <p>Use {@link #assertNoSecretIn(Object...)} for exception messages and {@code toString()} results.
 * Needs logback-classic as the SLF4J binding of the test run.
 */
public final class LeakCheck implements BeforeAllCallback, AfterEachCallback {
    private static final int MIN_LENGTH = 6;
    private static final int MAX_EVENTS = 200_000;
    private static final Set<String> SECRETS = ConcurrentHashMap.newKeySet();
    private static final ConcurrentLinkedQueue<String> EVENTS = new ConcurrentLinkedQueue<>();
    // ConcurrentLinkedQueue.size() walks the queue: counting here keeps each captured event O(1).
    private static final AtomicInteger QUEUED = new AtomicInteger();
    private static volatile boolean installed;

    /** Registers values that must never be logged. Values shorter than 6 characters are ignored. */
    public static void secret(String... values) {
        install();
        for (String v : values) {
            if (v != null && v.length() >= MIN_LENGTH) {
                SECRETS.add(v);
            }
        }
    }

    /** Fails if the {@code toString()} of any object (for a throwable: its whole cause chain) shows a secret. */
    public static void assertNoSecretIn(Object... things) {
        for (Object o : things) {
            if (o == null) {
                continue;
            }
            String text = o instanceof Throwable t ? chain(t) : o.toString();
            String hit = find(text);
            if (hit != null) {
                throw new AssertionError("secret (sha256 " + sha(hit) + ") appears in "
                        + o.getClass().getName() + ": " + text.replace(hit, "<SECRET>"));
            }
        }
    }

    /** How many log events have been captured so far (a check that capturing works). */
    public static int capturedEvents() {
        return EVENTS.size();
    }

    /** Checks every captured event now; clears what was checked. */
    public static void assertNoSecretLogged() {
        List<String> leaks = new ArrayList<>();
        String e;
        while ((e = EVENTS.poll()) != null) {
            QUEUED.decrementAndGet();
            String hit = find(e);
            if (hit != null) {
                leaks.add("secret (sha256 " + sha(hit) + ") logged: " + e.replace(hit, "<SECRET>"));
            }
        }
        if (!leaks.isEmpty()) {
            throw new AssertionError(leaks.size() + " log line(s) leak a secret:\n" + String.join("\n", leaks));
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        install();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        assertNoSecretLogged();
    }

    private static String chain(Throwable t) {
        StringBuilder b = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            b.append(c).append('\n');
            for (Throwable s : c.getSuppressed()) {
                b.append(chain(s));
            }
        }
        return b.toString();
    }

    private static String find(String text) {
        for (String s : SECRETS) {
            if (text.contains(s)) {
                return s;
            }
        }
        return null;
    }

    private static String sha(String s) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static synchronized void install() {
        if (installed) {
            return;
        }
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx)) {
            throw new IllegalStateException("LeakCheck needs logback-classic as the SLF4J binding, found "
                    + LoggerFactory.getILoggerFactory().getClass().getName());
        }
        Capture capture = new Capture();
        capture.setContext(ctx);
        capture.setName("scaivault-leak-check");
        capture.start();
        Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.addAppender(capture);
        // Every level: a secret at TRACE is as leaked as one at ERROR.
        root.setLevel(Level.ALL);
        IssuedSecrets.sink(LeakCheck::secret);
        installed = true;
    }

    private static final class Capture extends AppenderBase<ILoggingEvent> {
        @Override
        protected void append(ILoggingEvent e) {
            StringBuilder b = new StringBuilder()
                    .append(e.getLevel())
                    .append(' ')
                    .append(e.getLoggerName())
                    .append(": ")
                    .append(e.getFormattedMessage());
            if (e.getArgumentArray() != null) {
                for (Object a : e.getArgumentArray()) {
                    b.append(" | ").append(a);
                }
            }
            if (e.getThrowableProxy() != null) {
                b.append('\n').append(ThrowableProxyUtil.asString(e.getThrowableProxy()));
            }
            EVENTS.add(b.toString());
            if (QUEUED.incrementAndGet() > MAX_EVENTS) {
                // Check rather than drop: a leak must not escape because a test logs a lot.
                assertNoSecretLoggedQuietly();
            }
        }

        private static void assertNoSecretLoggedQuietly() {
            String e;
            while (QUEUED.get() > MAX_EVENTS / 2 && (e = EVENTS.peek()) != null) {
                if (find(e) != null) {
                    return; // keep it for the after-each check to report
                }
                if (EVENTS.poll() != null) {
                    QUEUED.decrementAndGet();
                }
            }
        }
    }
}
