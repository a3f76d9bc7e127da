package dev.scaivault.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations on the wire: whole seconds as a number, {@code "90s"}, {@code "1h30m"}, {@code "2d"} or ISO-8601. */
final class Durations {
    private static final Pattern UNITS = Pattern.compile("(\\d+)([dhms])");

    private Durations() {}

    /** {@code null} when the field is absent or JSON null. */
    static Duration parse(JsonNode node, String field) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return null;
        }
        if (node.isIntegralNumber()) {
            if (node.asLong() <= 0) {
                throw bad(field, node.asText());
            }
            return Duration.ofSeconds(node.asLong());
        }
        if (!node.isTextual()) {
            throw bad(field, node.toString());
        }
        String s = node.asText().trim();
        Duration d = parseText(s);
        if (d == null || d.isZero() || d.isNegative()) {
            throw bad(field, s);
        }
        return d;
    }

    /**
     * A duration given on the command line.
     *
     * @throws IllegalArgumentException naming {@code option} and the value
     */
    static Duration parseOption(String text, String option) {
        Duration d = parseText(text.trim());
        if (d == null || d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(option + " needs a positive duration (seconds, \"90s\", \"1h30m\", "
                    + "\"2d\" or ISO-8601), got '" + text + "'");
        }
        return d;
    }

    private static Duration parseText(String s) {
        if (s.matches("\\d+")) {
            return Duration.ofSeconds(Long.parseLong(s));
        }
        if (s.startsWith("P") || s.startsWith("p")) {
            try {
                return Duration.parse(s);
            } catch (DateTimeParseException e) {
                return null;
            }
        }
        Matcher m = UNITS.matcher(s);
        Duration total = Duration.ZERO;
        int end = 0;
        while (m.find()) {
            if (m.start() != end) {
                return null;
            }
            long n = Long.parseLong(m.group(1));
            switch (m.group(2)) {
                case "d":
                    total = total.plusDays(n);
                    break;
                case "h":
                    total = total.plusHours(n);
                    break;
                case "m":
                    total = total.plusMinutes(n);
                    break;
                default:
                    total = total.plusSeconds(n);
            }
            end = m.end();
        }
        return end == s.length() && end > 0 ? total : null;
    }

    private static ApiError bad(String field, String value) {
        return ApiError.badRequest(
                "invalid_duration",
                field + " is not a positive duration (seconds, \"90s\", \"1h30m\", \"2d\" or ISO-8601): " + value);
    }
}
