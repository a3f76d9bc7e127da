package dev.scaivault.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A path glob over {@code /}-separated segments: {@code **} any number of segments (also none), {@code *}
 * any characters within one segment, {@code ?} one character. Used by fault routes and subscriptions.
 */
final class Glob {
    private final String source;
    private final List<Pattern> segments; // null entry = "**"

    private Glob(String source, List<Pattern> segments) {
        this.source = source;
        this.segments = segments;
    }

    static Glob compile(String glob) {
        List<Pattern> segs = new ArrayList<>();
        for (String s : split(glob)) {
            if (s.equals("**")) {
                segs.add(null);
            } else {
                StringBuilder re = new StringBuilder();
                for (char c : s.toCharArray()) {
                    if (c == '*') {
                        re.append("[^/]*");
                    } else if (c == '?') {
                        re.append("[^/]");
                    } else {
                        re.append(Pattern.quote(String.valueOf(c)));
                    }
                }
                segs.add(Pattern.compile(re.toString()));
            }
        }
        return new Glob(glob, segs);
    }

    boolean matches(String path) {
        return match(0, split(path), 0);
    }

    private boolean match(int pi, List<String> path, int si) {
        if (pi == segments.size()) {
            return si == path.size();
        }
        Pattern p = segments.get(pi);
        if (p == null) {
            for (int k = si; k <= path.size(); k++) {
                if (match(pi + 1, path, k)) {
                    return true;
                }
            }
            return false;
        }
        return si < path.size() && p.matcher(path.get(si)).matches() && match(pi + 1, path, si + 1);
    }

    private static List<String> split(String path) {
        List<String> out = new ArrayList<>();
        for (String s : path.split("/")) {
            if (!s.isEmpty()) {
                out.add(s);
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return source;
    }
}
