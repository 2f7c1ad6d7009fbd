package org.netspec.dsl.elab;

import java.util.Collection;
import java.util.Optional;

/** "Did you mean ...?" for misspelt names. */
public final class Names {
    private Names() {}

    public static Optional<String> closest(String name, Collection<String> candidates) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        // One- and two-letter names are too short for a typo to tell which name was meant.
        int limit = name.length() <= 2 ? 0 : Math.max(1, name.length() / 3);
        for (String candidate : candidates.stream().sorted().toList()) {
            int d = distance(name.toLowerCase(), candidate.toLowerCase());
            if (candidate.length() >= 3 && name.startsWith(candidate) || name.length() >= 3 && candidate.startsWith(name)) {
                d = Math.min(d, limit); // `integer` for `int`, `bat` for `batchnorm`
            }
            if (d <= limit && d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        return Optional.ofNullable(best);
    }

    public static String suggestion(String name, Collection<String> candidates) {
        return closest(name, candidates).map(c -> "; did you mean '" + c + "'?").orElse("");
    }

    /** Levenshtein distance, with adjacent transpositions counting one. */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
