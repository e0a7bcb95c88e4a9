set terminal pngcairo noenhanced size 1000,620 font 'sans,10'
set grid
set key outside right top
set output 'memory.png'
set title 'Spawn time against parent memory (3 fds)'
set logscale x
set logscale y
set xlabel 'parent memory touched, MiB'
set ylabel 'spawn + exit + reap, median us (guest icount time)'
set xtics ("8" 8, "256" 256, "1024" 1024)
plot 'memory.dat' using 1:2 with linespoints lw 2 title 'fork', \
     'memory.dat' using 1:3 with linespoints lw 2 title 'vfork', \
     'memory.dat' using 1:4 with linespoints lw 2 title 'clone3', \
     'memory.dat' using 1:5 with linespoints lw 2 title 'glibc posix_spawn', \
     'memory.dat' using 1:6 with linespoints lw 2 title 'lib posix_spawn', \
     'memory.dat' using 1:7 with linespoints lw 2 title 'lib pidfd_spawn', \
     'memory.dat' using 1:8 with linespoints lw 2 title 'raw CLONE_EMPTY', \
     'memory.dat' using 1:9 with linespoints lw 2 title 'raw, no fds', \
     382.863 with lines dt 2 lw 2 lc rgb 'black' title 'exec floor'
