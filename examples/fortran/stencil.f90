! A 5-point stencil over two 2-D arrays placed by AML: `u` interleaved
! over every node this process may use, `v` bound to one node (node 1
! where there is one, else the last node). Each sweep reads one array and
! writes the other; then the placement of both is printed, pages per node
! and a page map, and checked against the areas.
!
!   build/examples/fortran/example_fortran_stencil
program stencil
  use, intrinsic :: iso_fortran_env, only: int64, real64
  use aml
  implicit none
  integer, parameter :: n = 1022, sweeps = 20 ! rows of 1024 doubles: 2 pages
  type(aml_area) :: spread, bound
  real(real64), pointer :: u(:, :), v(:, :)
  integer :: node, sweep

  associate (nodes => aml_nodes())
    node = nodes(size(nodes))
    if (any(nodes == 1)) node = 1
  end associate
  call aml_area_linux_create(spread, AML_AREA_LINUX_POLICY_INTERLEAVE)
  call aml_area_linux_create(bound, AML_AREA_LINUX_POLICY_BIND, nodes=[node])

  ! Indices 0 and n + 1 are the boundary.
  call aml_area_mmap(spread, u, [n + 2, n + 2], lower=[0, 0])
  call aml_area_mmap(bound, v, [n + 2, n + 2], lower=[0, 0])
  u = 0
  v = 0
  u(:, 0) = 1
  v(:, 0) = 1
  do sweep = 1, sweeps, 2
    call relax(u, v)
    call relax(v, u)
  end do
  write(*, '(a, es12.5)') 'u(n/2, 1) after the sweeps: ', u(n / 2, 1)

  call show('u, interleaved', spread, u)
  call show('v, bound to node ' // decimal(node), bound, v)
  call aml_area_munmap(spread, u)
  call aml_area_munmap(bound, v)
  call aml_area_destroy(spread)
  call aml_area_destroy(bound)

contains

  ! One Jacobi sweep: the inside of `to` from the four neighbours in
  ! `from`.
  subroutine relax(from, to)
    real(real64), intent(in) :: from(0:, 0:)
    real(real64), intent(inout) :: to(0:, 0:)
    integer :: i, j

    do j = 1, n
      do i = 1, n
        to(i, j) = 0.25_real64 * (from(i - 1, j) + from(i + 1, j) + &
             from(i, j - 1) + from(i, j + 1))
      end do
    end do
  end subroutine relax

  subroutine show(what, area, x)
    character(len=*), intent(in) :: what
    type(aml_area), intent(in) :: area
    real(real64), intent(in), target :: x(:, :)
    type(aml_linux_placement) :: p
    character(len=:), allocatable :: map
    integer :: k
    logical :: placed

    call aml_linux_inspect(x, p)
    call aml_linux_page_map(x, map)
    write(*, '(a)') what // ': policy ' // p%policy_name // ' over nodes ' &
         // p%policy_nodes // ', ' // decimal(p%npages) // ' pages'
    do k = 0, ubound(p%node_pages, 1)
      if (p%node_pages(k) > 0) write(*, '(a)') '  node ' // decimal(k) // &
           ': ' // decimal(p%node_pages(k)) // ' pages'
    end do
    write(*, '(a)') '  map: ' // map(1:min(64, len(map))) // '...'
    placed = aml_area_linux_check_binding(area, x)
    write(*, '(a, l1)') '  placed as the area says: ', placed
    if (.not. placed) error stop 'not placed as the area says'
  end subroutine show

  function decimal(i) result(s)
    class(*), intent(in) :: i
    character(len=:), allocatable :: s
    character(len=24) :: buf

    select type (i)
    type is (integer)
      write(buf, '(i0)') i
    type is (integer(int64))
      write(buf, '(i0)') i
    class default
      buf = '?'
    end select
    s = trim(buf)
  end function decimal

end program stencil
