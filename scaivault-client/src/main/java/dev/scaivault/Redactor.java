package dev.scaivault;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Scrubs text that did not come from us (a server's error message, a proxy's status line) before it reaches
 * an exception message, a log line or a status: a server, proxy or OAuth endpoint that echoes the request
 * would otherwise put the bearer token, the client secret or the secret being written into our logs.
 *
 * <p>Three layers, because no one of them is enough: every secret this client knows (sent or received, kept
 * for the most recent {@value #REMEMBERED}) is replaced wherever it appears, also URL-encoded or
 * JSON-escaped; what looks like a credential whatever its value (a JWT, an {@code Authorization} value, a
 * {@code password=} pair, a long random run) is replaced too; and the rest is cut to {@value #MAX_TEXT}
 * characters of one line.
 */
final class Redactor {
    static final String REDACTED = "<redacted>";
    /** Server text kept in a message at most; an error's gist fits, an echoed request body does not. */
    static final int MAX_TEXT = 200;
    /**
     * Our own descriptions of a failure are longer (a TLS error names the certificate's subject and its
     * alternative names, which the server chose): scrubbed the same way, cut later.
     */
    static final int MAX_DESCRIPTION = 600;
    /** Shorter values would redact common words; LeakCheck's threshold in the tests is longer still. */
    static final int MIN_SECRET = 4;

    static final int REMEMBERED = 4096;

    /** What looks like a credential whatever its value, and what to put in its place. */
    private record Shape(Pattern pattern, String replacement) {}

    private static final List<Shape> CREDENTIAL_SHAPES = List.of(
            // A JWT: header.payload[.signature], base64url, the header always starting with {" encoded.
            new Shape(Pattern.compile("eyJ[A-Za-z0-9_-]*\\.[A-Za-z0-9_-]*(\\.[A-Za-z0-9_-]*)?"), REDACTED),
            // An Authorization value, however it is quoted.
            new Shape(Pattern.compile("(?i)\\b(bearer|basic)\\s+[^\\s\"',;]+"), "$1 " + REDACTED),
            // key=value and "key": "value" where the key names a credential.
            new Shape(
                    Pattern.compile("(?i)(\"?[a-z_-]*(password|passwd|secret|token|assertion|credential|api[_-]?key)"
                            + "[a-z_-]*\"?\\s*[:=]\\s*)(\"(\\\\.|[^\"\\\\])*\"|[^\\s&,;}\"]+)"),
                    "$1" + REDACTED),
            // ScaiVault personal access tokens.
            new Shape(Pattern.compile("skt_[A-Za-z0-9_-]+"), REDACTED));
    /** A long run of letters and digits mixing both: a password or key more often than a word. */
    private static final Pattern RANDOM_RUN = Pattern.compile("[A-Za-z0-9+=_-]{32,}");

    private final Map<String, Boolean> known = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > REMEMBERED;
        }
    };

    /** Remembers a secret value this client sent or received. */
    void remember(String secret) {
        if (secret != null && secret.length() >= MIN_SECRET) {
            synchronized (known) {
                known.put(secret, Boolean.TRUE);
            }
        }
    }

    /** Remembers every string value of a secret's data, nested values included. */
    void rememberValues(Map<String, ?> data) {
        for (Object v : data.values()) {
            rememberValue(v);
        }
    }

    private void rememberValue(Object v) {
        if (v instanceof String s) {
            remember(s);
        } else if (v instanceof Map<?, ?> m) {
            m.values().forEach(this::rememberValue);
        } else if (v instanceof Collection<?> c) {
            c.forEach(this::rememberValue);
        }
    }

    /**
     * {@code text} without any secret this client knows or {@code alsoSecret} names, without anything shaped
     * like a credential, on one line and at most {@value #MAX_TEXT} characters; {@code null} stays null.
     */
    String scrub(String text, Collection<String> alsoSecret) {
        return scrub(text, alsoSecret, MAX_TEXT);
    }

    /** As {@link #scrub(String, Collection)}, cut at {@code maxText}: for our own descriptions, which run longer. */
    String scrub(String text, Collection<String> alsoSecret, int maxText) {
        if (text == null) {
            return null;
        }
        List<String> secrets = new ArrayList<>(alsoSecret);
        synchronized (known) {
            secrets.addAll(known.keySet());
        }
        // Longest first, so a secret containing another is replaced whole.
        secrets.sort((a, b) -> Integer.compare(b.length(), a.length()));
        String out = text;
        for (String s : secrets) {
            if (s == null || s.length() < MIN_SECRET) {
                continue;
            }
            out = replace(out, s);
            out = replace(out, URLEncoder.encode(s, StandardCharsets.UTF_8));
            out = replace(out, jsonEscaped(s));
        }
        return cut(scrubShapes(out), maxText);
    }

    /**
     * {@code e} itself when its message holds nothing to scrub; else a stand-in of the same stack whose message
     * is scrubbed. OkHttp quotes a server's status line or header in some messages, and a cause is printed
     * with every stack trace of the exception that carries it.
     */
    IOException scrubbedCause(IOException e, Collection<String> alsoSecret) {
        String message = e.getMessage();
        if (message == null) {
            return e;
        }
        String scrubbed = scrub(message, alsoSecret, MAX_DESCRIPTION);
        if (scrubbed.equals(cut(message, MAX_DESCRIPTION))) {
            return e;
        }
        IOException standIn = new IOException(e.getClass().getName() + ": " + scrubbed);
        standIn.setStackTrace(e.getStackTrace());
        return standIn;
    }

    /** Only the shape-based layer and the cut: for text from places that hold no secret of ours. */
    static String scrubShapes(String text) {
        String out = text;
        for (Shape shape : CREDENTIAL_SHAPES) {
            out = shape.pattern().matcher(out).replaceAll(shape.replacement());
        }
        Matcher m = RANDOM_RUN.matcher(out);
        StringBuilder b = new StringBuilder();
        while (m.find()) {
            String run = m.group();
            m.appendReplacement(
                    b,
                    run.chars().anyMatch(Character::isDigit) && run.chars().anyMatch(Character::isLetter)
                            ? REDACTED
                            : Matcher.quoteReplacement(run));
        }
        m.appendTail(b);
        return b.toString();
    }

    private static String cut(String s, int maxText) {
        // One line: a server's newlines would forge log lines of their own.
        String line = s.replaceAll("[\\p{Cntrl}\\u2028\\u2029]+", " ").strip();
        return line.length() <= maxText ? line : line.substring(0, maxText) + "...";
    }

    private static String replace(String text, String secret) {
        return secret.length() < MIN_SECRET ? text : text.replace(secret, REDACTED);
    }

    private static String jsonEscaped(String s) {
        StringBuilder b = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '/' -> b.append('/');
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }

    /** {@code url} with any user name and password replaced, for messages about a URL a user configured. */
    static String redactUrl(String url) {
        if (url == null) {
            return null;
        }
        return url.replaceFirst("^([A-Za-z][A-Za-z0-9+.-]*://)[^/?#@]*@", "$1" + REDACTED + "@");
    }
}
