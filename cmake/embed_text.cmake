# Compiles a text file into a C string: cmake -DIN=<file> -DOUT=<file.c> -DNAME=<symbol> -P ...
file(READ ${IN} hex HEX)
string(REGEX REPLACE "(..)" "0x\\1," hex "${hex}")
file(WRITE ${OUT}.tmp "/* generated from ${IN}: do not edit */\nconst char ${NAME}[] = {${hex}0x00};\n")
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different ${OUT}.tmp ${OUT})
