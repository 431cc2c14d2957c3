# lua2c.awk -- turn core/scripts/*.lua into C string literals.
#
# The first file named is the prelude; every later NAME.lua becomes
# "static const char tq_lua_NAME[] = <prelude><NAME.lua>;".  The scripts
# stay readable (and runnable with redis-cli --eval) as files, while libtq
# carries each as one self-contained source, so Redis caches one script
# per transition.  Run by the build; see Makefile.am.

function quote(line) {
	gsub(/\\/, "\\\\", line)
	gsub(/"/, "\\\"", line)
	return "\t\"" line "\\n\""
}

FNR == 1 && NR != 1 && name != "" {
	print ";\n"
}
FNR == 1 && NR != 1 {
	name = FILENAME
	sub(/.*\//, "", name)
	sub(/\.lua$/, "", name)
	print "static const char tq_lua_" name "[] ="
	print prelude
}
NR == FNR {
	prelude = prelude (prelude == "" ? "" : "\n") quote($0)
	next
}
{
	print quote($0)
}
END {
	print ";"
}
