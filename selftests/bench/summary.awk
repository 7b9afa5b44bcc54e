# SPDX-License-Identifier: GPL-2.0
#
# summary.awk: the figures of `make bench` from its raw lines, in the guest
# (the table, the smoke test's check) and on the host (JSON, chart data).
# POSIX awk (Debian's default is mawk).  Input lines, others ignored:
#
#	unit ROW UNIT higher|lower	a row, its unit, which way is better
#	ceiling ROW FABRIC_ROW		ROW's fabric ceiling (same unit)
#	sample ROW DRIVER ROUND VALUE	DRIVER: ours, reference or fabric
#	notmeasured WHAT REASON...	a row that could not be measured
#
# Rows keep the order of their unit lines.  Per row and driver: median,
# min, max, n; ratio = median(ours) / median(reference).  Paired: the
# ratio ours / reference within each round that has both (the two ran
# minutes apart, so what the host did to the round touches both), its
# median, min, max and n, and with 5 rounds or more a verdict: "ahead"
# when every round's ratio is on the better side of 1, "behind" when
# every one is on the worse side (a sign test: by chance, with 7 rounds,
# one time in 128).  Output by -v fmt=
#	table	the table (default)
#	json	one JSON document (-v meta='"key": value, ...' adds fields)
#	dat	gnuplot data, one line per compared row:
#		INDEX "LABEL" RATIO OURS_LO OURS_HI REF_LO REF_HI LOWER
#		(figures divided by the reference's median; LOWER 1 when
#		lower is better, else 0)
#	check	rows without a numeric sample for a driver, one a line
#		("ROW DRIVER"); exit status 1 when there is one

function isnum(v)
{
	return v ~ /^-?[0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?$/
}

# stats K: sorted copy of the samples of K into s[1..n], sets sn, smed.
function stats(k,   i, j, t)
{
	sn = cnt[k]
	for (i = 1; i <= sn; i++)
		s[i] = val[k, i] + 0
	for (i = 2; i <= sn; i++) {
		t = s[i]
		for (j = i - 1; j >= 1 && s[j] > t; j--)
			s[j + 1] = s[j]
		s[j + 1] = t
	}
	if (!sn)
		smed = ""
	else if (sn % 2)
		smed = s[(sn + 1) / 2]
	else
		smed = (s[sn / 2] + s[sn / 2 + 1]) / 2
}

# num X: a figure for the table, 3 significant digits or more.
function num(x)
{
	if (x == "")
		return "-"
	if (x >= 100 || x <= -100 || x == int(x))
		return sprintf("%.0f", x)
	if (x >= 10 || x <= -10)
		return sprintf("%.1f", x)
	return sprintf("%.3g", x)
}

function jnum(x)
{
	return x == "" ? "null" : sprintf("%.6g", x)
}

function jstr(x)
{
	gsub(/\\/, "\\\\", x)
	gsub(/"/, "\\\"", x)
	return "\"" x "\""
}

function isfabric(r)
{
	return r ~ /^fabric-/
}

# pair R: the per-round ratios of row R as the pseudo-driver "paired".
function pair(r,   i, k, rd)
{
	k = r SUBSEP "paired"
	cnt[k] = 0
	for (i = 1; i <= cnt[r, "ours"]; i++)
		ours_at[rnd[r, "ours", i]] = val[r, "ours", i]
	for (i = 1; i <= cnt[r, "reference"]; i++) {
		rd = rnd[r, "reference", i]
		if (!(rd in ours_at) || val[r, "reference", i] + 0 == 0)
			continue
		cnt[k]++
		val[k, cnt[k]] = ours_at[rd] / val[r, "reference", i]
		rnd[k, cnt[k]] = rd
	}
	split("", ours_at)
}

# verdict R: "ahead", "behind" or "" from the paired ratios of row R.
function verdict(r,   k, good)
{
	k = r SUBSEP "paired"
	if (n[k] < 5)
		return ""
	good = better[r] == "lower" ? hi[k] < 1 : lo[k] > 1
	if (good)
		return "ahead"
	good = better[r] == "lower" ? lo[k] > 1 : hi[k] < 1
	return good ? "behind" : ""
}

# drvjson K: JSON object of one row's driver.
function drvjson(k,   i, o)
{
	stats(k)
	if (!sn)
		return "null"
	o = "{\"median\": " jnum(smed) ", \"min\": " jnum(s[1]) ", \"max\": " jnum(s[sn]) ", \"n\": " sn ", \"samples\": ["
	for (i = 1; i <= cnt[k]; i++)
		o = o (i > 1 ? ", " : "") "{\"round\": " rnd[k, i] ", \"value\": " jnum(val[k, i]) "}"
	return o "]}"
}

$1 == "unit" && NF >= 4 {
	if (!(($2) in unit))
		order[++nrows] = $2
	unit[$2] = $3
	better[$2] = $4
	next
}
$1 == "ceiling" && NF >= 3 {
	ceil[$2] = $3
	next
}
$1 == "sample" && NF >= 5 {
	if (!(($2) in unit)) {
		order[++nrows] = $2
		unit[$2] = "?"
		better[$2] = "higher"
	}
	k = $2 SUBSEP $3
	if (!isnum($5)) {
		bad[k] = 1
		next
	}
	cnt[k]++
	val[k, cnt[k]] = $5
	rnd[k, cnt[k]] = $4
	next
}
$1 == "notmeasured" && NF >= 3 {
	nm_what[++nnm] = $2
	$1 = $2 = ""
	sub(/^ +/, "")
	nm_why[nnm] = $0
	next
}

END {
	if (fmt == "")
		fmt = "table"
	# medians first: the ceilings refer to other rows
	for (i = 1; i <= nrows; i++) {
		r = order[i]
		pair(r)
		for (d = 1; d <= 4; d++) {
			drv = d == 1 ? "ours" : d == 2 ? "reference" : d == 3 ? "fabric" : "paired"
			stats(r SUBSEP drv)
			med[r, drv] = smed
			lo[r, drv] = sn ? s[1] : ""
			hi[r, drv] = sn ? s[sn] : ""
			n[r, drv] = sn
		}
	}
	if (fmt == "check") {
		missing = 0
		for (i = 1; i <= nrows; i++) {
			r = order[i]
			if (isfabric(r)) {
				if (!n[r, "fabric"]) {
					print r " fabric"
					missing++
				}
				continue
			}
			for (d = 1; d <= 2; d++) {
				drv = d == 1 ? "ours" : "reference"
				if (!n[r, drv]) {
					print r " " drv
					missing++
				}
			}
		}
		exit (missing ? 1 : 0)
	}
	if (fmt == "dat") {
		j = 0
		for (i = 1; i <= nrows; i++) {
			r = order[i]
			m = med[r, "reference"]
			if (isfabric(r) || m == "" || m + 0 == 0 || med[r, "ours"] == "")
				continue
			low = better[r] == "lower"
			printf "%d \"%s%s\" %.6g %.6g %.6g %.6g %.6g %d\n", j++, r, low ? " (lower)" : "",
			       med[r, "ours"] / m, lo[r, "ours"] / m, hi[r, "ours"] / m,
			       lo[r, "reference"] / m, hi[r, "reference"] / m, low
		}
		exit 0
	}
	if (fmt == "json") {
		print "{"
		if (meta != "")
			print "  " meta ","
		print "  \"rows\": ["
		first = 1
		for (i = 1; i <= nrows; i++) {
			r = order[i]
			if (isfabric(r))
				continue
			mo = med[r, "ours"]
			mr = med[r, "reference"]
			ratio = (mo != "" && mr != "" && mr + 0 != 0) ? mo / mr : ""
			c = ceil[r]
			co = cr = ""
			if (c != "" && med[c, "fabric"] != "" && med[c, "fabric"] + 0 != 0) {
				if (mo != "")
					co = mo / med[c, "fabric"]
				if (mr != "")
					cr = mr / med[c, "fabric"]
			}
			printf "%s    {\"row\": %s, \"unit\": %s, \"better\": %s,\n", first ? "" : ",\n",
			       jstr(r), jstr(unit[r]), jstr(better[r])
			printf "     \"ours\": %s,\n", drvjson(r SUBSEP "ours")
			printf "     \"reference\": %s,\n", drvjson(r SUBSEP "reference")
			printf "     \"ratio\": %s,\n", jnum(ratio)
			printf "     \"paired\": %s", drvjson(r SUBSEP "paired")
			if (n[r, "paired"])
				printf ",\n     \"verdict\": %s", verdict(r) == "" ? "null" : jstr(verdict(r))
			if (c != "")
				printf ",\n     \"ceiling\": {\"row\": %s, \"ours\": %s, \"reference\": %s}",
				       jstr(c), jnum(co), jnum(cr)
			printf "}"
			first = 0
		}
		print "\n  ],"
		print "  \"fabric\": ["
		first = 1
		for (i = 1; i <= nrows; i++) {
			r = order[i]
			if (!isfabric(r))
				continue
			printf "%s    {\"row\": %s, \"unit\": %s, \"fabric\": %s}", first ? "" : ",\n",
			       jstr(r), jstr(unit[r]), drvjson(r SUBSEP "fabric")
			first = 0
		}
		print "\n  ],"
		print "  \"not_measured\": ["
		for (i = 1; i <= nnm; i++)
			printf "    {\"what\": %s, \"reason\": %s}%s\n", jstr(nm_what[i]),
			       jstr(nm_why[i]), i < nnm ? "," : ""
		print "  ]"
		print "}"
		exit 0
	}
	# the table
	printf "%-24s %-10s %-3s %26s %26s %6s %18s %-6s %13s\n", "row", "unit", "", "ours median [min-max] n",
	       "reference median [min-max] n", "ratio", "paired [min-max]", "", "of fabric"
	for (i = 1; i <= nrows; i++) {
		r = order[i]
		if (isfabric(r))
			continue
		line = sprintf("%-24s %-10s %-3s", r, unit[r], better[r] == "lower" ? "low" : "")
		for (d = 1; d <= 2; d++) {
			drv = d == 1 ? "ours" : "reference"
			if (!n[r, drv])
				cell = "-"
			else
				cell = sprintf("%s [%s-%s] %d", num(med[r, drv]), num(lo[r, drv]),
					       num(hi[r, drv]), n[r, drv])
			line = line sprintf(" %26s", cell)
		}
		mo = med[r, "ours"]
		mr = med[r, "reference"]
		line = line sprintf(" %6s", (mo != "" && mr != "" && mr + 0 != 0) ? sprintf("%.2f", mo / mr) : "-")
		k = r SUBSEP "paired"
		line = line sprintf(" %18s %-6s", n[k] ? sprintf("%.2f [%.2f-%.2f]", med[k], lo[k], hi[k]) : "-",
				    verdict(r))
		c = ceil[r]
		cell = ""
		if (c != "" && med[c, "fabric"] != "" && med[c, "fabric"] + 0 != 0 && (mo != "" || mr != ""))
			cell = sprintf("%s/%s%%", mo == "" ? "-" : sprintf("%.0f", 100 * mo / med[c, "fabric"]),
				       mr == "" ? "-" : sprintf("%.0f", 100 * mr / med[c, "fabric"]))
		print line sprintf(" %13s", cell)
	}
	hdr = 0
	for (i = 1; i <= nrows; i++) {
		r = order[i]
		if (!isfabric(r))
			continue
		if (!hdr++)
			printf "\n%-24s %-10s %30s   (softib's raw ceiling, no IPoIB)\n", "fabric row", "unit",
			       "median [min-max] n"
		cell = "-"
		if (n[r, "fabric"])
			cell = sprintf("%s [%s-%s] %d", num(med[r, "fabric"]), num(lo[r, "fabric"]),
				       num(hi[r, "fabric"]), n[r, "fabric"])
		printf "%-24s %-10s %30s\n", r, unit[r], cell
	}
	if (nnm)
		print ""
	for (i = 1; i <= nnm; i++)
		printf "not measured: %s: %s\n", nm_what[i], nm_why[i]
	print "\nratio: median(ours) / median(reference); \"low\": lower is better;"
	print "paired: ours / reference round by round; ahead (behind): better (worse) in every round, 5 or more;"
	print "of fabric: each driver's median as a share of the fabric's ceiling row."
}
