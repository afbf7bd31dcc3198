! What the Fortran tests share: checks that stop with status 1, skips
! (status 77), and the independent answers of helpers.c.
module aml_test
  use, intrinsic :: iso_c_binding
  use, intrinsic :: iso_fortran_env, only: int64, error_unit, output_unit
  use aml
  implicit none
  private
  public :: check, check_failed, check_aligned, skip, page_nodes, no_thp, best_bandwidth, &
       c_constants, in_threads, round_robin, all_on, counts_of, topology

  interface
    integer(c_size_t) function c_npages(ptr, size) &
         bind(C, name='fortran_test_npages')
      import :: c_ptr, c_size_t
      type(c_ptr), value :: ptr
      integer(c_size_t), value :: size
    end function c_npages
    integer(c_int) function c_page_nodes(ptr, size, status) &
         bind(C, name='fortran_test_page_nodes')
      import :: c_int, c_ptr, c_size_t
      type(c_ptr), value :: ptr
      integer(c_size_t), value :: size
      integer(c_int) :: status(*)
    end function c_page_nodes
    integer(c_int) function c_no_thp(ptr, size) bind(C, name='fortran_test_no_thp')
      import :: c_int, c_ptr, c_size_t
      type(c_ptr), value :: ptr
      integer(c_size_t), value :: size
    end function c_no_thp
    integer(c_int) function c_best_bandwidth(cpu) &
         bind(C, name='fortran_test_best_bandwidth')
      import :: c_int
      integer(c_int), value :: cpu
    end function c_best_bandwidth
    integer(c_int) function c_constants_of(values, max) &
         bind(C, name='fortran_test_constants')
      import :: c_int
      integer(c_int) :: values(*)
      integer(c_int), value :: max
    end function c_constants_of
    integer(c_int) function c_threads(n, run) bind(C, name='fortran_test_threads')
      import :: c_int, c_funptr
      integer(c_int), value :: n
      type(c_funptr), value :: run
    end function c_threads
  end interface

  abstract interface
    subroutine worker(id) bind(C)
      import :: c_int
      integer(c_int), intent(in) :: id
    end subroutine worker
  end interface

contains

  ! Run `run` in `n` POSIX threads at once, given 1 to n; return when all
  ! have returned.
  subroutine in_threads(n, run)
    integer, intent(in) :: n
    procedure(worker) :: run

    call check(c_threads(int(n, c_int), c_funloc(run)) == 0, 'threads started')
  end subroutine in_threads

  ! Stop with status 1 unless `ok`.
  subroutine check(ok, what)
    logical, intent(in) :: ok
    character(len=*), intent(in) :: what

    if (ok) return
    write(error_unit, '(a)') 'check failed: ' // what
    flush(output_unit)
    error stop 1
  end subroutine check

  ! A call with stat= failed with `expected`, and its message says so
  ! (AML's message and `detail`).
  subroutine check_failed(stat, msg, expected, detail, what)
    integer, intent(in) :: stat, expected
    character(len=*), intent(in) :: msg, detail, what

    write(output_unit, '(a, i0, a)') what // ': stat ', stat, ', "' // &
         trim(msg) // '"'
    call check(stat == expected, what // ': stat')
    call check(index(msg, aml_strerror(expected)) > 0, what // ': message')
    call check(index(msg, detail) > 0, what // ': detail "' // detail // '"')
  end subroutine check_failed

  ! `x` starts on a page boundary.
  subroutine check_aligned(x, what)
    class(*), dimension(..), target, intent(in) :: x
    character(len=*), intent(in) :: what

    call check(modulo(transfer(address(x), 0_c_intptr_t), 4096_c_intptr_t) == 0, &
         what // ': page aligned')
  end subroutine check_aligned

  subroutine skip(why)
    character(len=*), intent(in) :: why

    write(output_unit, '(a)') 'skipped: ' // why
    stop 77
  end subroutine skip

  ! The topology a guest runs ("host" outside them).
  function topology() result(name)
    character(len=:), allocatable :: name
    character(len=64) :: buf
    integer :: length, status

    call get_environment_variable('AML_VM_TOPOLOGY', buf, length, status)
    name = 'host'
    if (status == 0) name = trim(buf)
  end function topology

  function address(x) result(p)
    type(*), dimension(..), target, intent(in) :: x
    type(c_ptr) :: p

    p = c_loc(x)
  end function address

  function bytes_of(x) result(n)
    class(*), dimension(..), intent(in) :: x
    integer(c_size_t) :: n

    n = int(size(x, kind=int64) * (storage_size(x) / 8), c_size_t)
  end function bytes_of

  ! The node of every page of `x`, by one move_pages(2) query.
  function page_nodes(x) result(nodes)
    class(*), dimension(..), target, intent(in) :: x
    integer, allocatable :: nodes(:)
    type(c_ptr) :: p
    integer(c_size_t) :: n

    p = address(x)
    n = c_npages(p, bytes_of(x))
    allocate(nodes(n))
    call check(c_page_nodes(p, bytes_of(x), nodes) == 0, 'move_pages')
  end function page_nodes

  subroutine no_thp(x)
    class(*), dimension(..), target, intent(in) :: x

    call check(c_no_thp(address(x), bytes_of(x)) == 0, 'madvise(MADV_NOHUGEPAGE)')
  end subroutine no_thp

  integer function best_bandwidth(cpu)
    integer, intent(in) :: cpu

    best_bandwidth = c_best_bandwidth(int(cpu, c_int))
  end function best_bandwidth

  function c_constants() result(values)
    integer, allocatable :: values(:)
    integer(c_int) :: one(1)

    allocate(values(c_constants_of(one, 0_c_int)))
    call check(c_constants_of(values, int(size(values), c_int)) == size(values), &
         'constants')
  end function c_constants

  ! Page i on nodes(mod(start + i, n)) for some start.
  logical function round_robin(status, nodes)
    integer, intent(in) :: status(:), nodes(:)
    integer :: start, i

    round_robin = .false.
    if (size(status) == 0) return
    start = findloc(nodes, status(1), dim=1)
    if (start == 0) return
    do i = 1, size(status)
      if (status(i) /= nodes(modulo(start + i - 2, size(nodes)) + 1)) return
    end do
    round_robin = .true.
  end function round_robin

  logical function all_on(status, node)
    integer, intent(in) :: status(:), node

    all_on = all(status == node)
  end function all_on

  ! Pages of `status` on each node 0 to `top`.
  function counts_of(status, top) result(counts)
    integer, intent(in) :: status(:), top
    integer(int64) :: counts(0:top)
    integer :: n

    do n = 0, top
      counts(n) = count(status == n)
    end do
  end function counts_of

end module aml_test
