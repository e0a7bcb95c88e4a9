set terminal pngcairo noenhanced size 1000,620 font 'sans,10'
set grid
set key outside right top
set output 'fds_inheritable.png'
set title 'Spawn time against open fds, inheritable (8 MiB)'
set logscale x
set logscale y
set xlabel 'open fds (inheritable beyond 0-2)'
set ylabel 'spawn + exit + reap, median us (guest icount time)'
set xtics ("3" 3, "1,000" 1000, "10,000" 10000)
plot 'fds_inheritable.dat' using 1:2 with linespoints lw 2 title 'fork', \
     'fds_inheritable.dat' using 1:3 with linespoints lw 2 title 'vfork', \
     'fds_inheritable.dat' using 1:4 with linespoints lw 2 title 'clone3', \
     'fds_inheritable.dat' using 1:5 with linespoints lw 2 title 'glibc posix_spawn', \
     'fds_inheritable.dat' using 1:6 with linespoints lw 2 title 'lib posix_spawn', \
     'fds_inheritable.dat' using 1:7 with linespoints lw 2 title 'lib pidfd_spawn', \
     'fds_inheritable.dat' using 1:8 with linespoints lw 2 title 'raw CLONE_EMPTY', \
     'fds_inheritable.dat' using 1:9 with linespoints lw 2 title 'raw, no fds', \
     382.863 with lines dt 2 lw 2 lc rgb 'black' title 'exec floor'
