! Bad input without stat=: the program stops (ERROR STOP) with the
! message. expect-stop.sh runs each case and checks the status and the
! message; a case that does not stop reaches the end and exits 0.
program stop_on_error
  use, intrinsic :: iso_fortran_env, only: real64
  use aml
  implicit none
  character(len=32) :: which
  character(len=100) :: msg
  type(aml_area) :: area
  real(real64), pointer :: x(:), alias(:)

  call get_command_argument(1, which)
  call aml_area_linux_create(area, AML_AREA_LINUX_POLICY_DEFAULT)
  select case (which)
  case ('mmap')
    call aml_area_mmap(area, x, [-1])
  case ('create')
    call aml_area_destroy(area)
    call aml_area_linux_create(area, AML_AREA_LINUX_POLICY_BIND, nodes=[5000])
  case ('munmap')
    call aml_area_mmap(area, x, [10])
    alias => x
    call aml_area_munmap(area, x)
    call aml_area_munmap(area, alias)
  case ('errmsg')
    ! errmsg= without stat= stops too, as ALLOCATE does.
    call aml_area_mmap(area, x, [10, 10], errmsg=msg)
  case ('destroy')
    call aml_area_mmap(area, x, [10])
    call aml_area_destroy(area)
  end select
  write(*, '(a)') 'no error: ' // trim(which)
end program stop_on_error
